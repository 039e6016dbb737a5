import DroverHost
import Glibc
import Testing

@Suite("LinuxHostMetricsSource against this machine's kernel")
struct LiveHostTests {
    @Test("two real collections with CPU work in between")
    func collectTwice() throws {
        let clock = ContinuousClock()
        var collector = HostMetricsCollector(source: LinuxHostMetricsSource())
        let first = try collector.collect(now: clock.now)
        #expect(first.cpu == nil)

        // Burn CPU for a bounded 200 ms so the second sample has user ticks to show.
        let start = clock.now
        var state: UInt64 = 1
        while clock.now - start < .milliseconds(200) {
            for step in 0..<10_000 { state = state &* 6_364_136_223_846_793_005 &+ UInt64(step) }
        }
        #expect(state != 0)

        let second = try collector.collect(now: clock.now)
        let online = Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))
        #expect(second.cpuCount == online)
        let cpu = try #require(second.cpu)
        #expect(cpu.total.busy > 0)
        #expect(cpu.total.busy <= 10000)
        #expect(cpu.cores.count == online)
        #expect(try #require(second.interval) >= .milliseconds(200))

        let physical = UInt64(sysconf(Int32(_SC_PHYS_PAGES))) * UInt64(sysconf(Int32(_SC_PAGESIZE)))
        #expect(second.memory.totalBytes > 0)
        let difference = max(second.memory.totalBytes, physical) - min(second.memory.totalBytes, physical)
        #expect(difference <= physical / 100)
        #expect(second.memory.usedBytes + second.memory.availableBytes == second.memory.totalBytes)

        #expect(second.disks.contains { $0.totalBytes > 0 })
        // `/` is reported whenever it is a real filesystem (it is not inside a container, where
        // it is an excluded overlay).
        let table = try MountTable.parse(try LinuxHostMetricsSource().read(.mounts))
        if let root = table.entries.first(where: { $0.mountPoint == "/" }), MountFilter.default.includes(root) {
            let disk = try #require(second.disks.first { $0.mountPoint == "/" })
            #expect(disk.totalBytes > 0)
            #expect(disk.usedBytes <= disk.totalBytes)
            #expect(disk.freeBytes <= disk.totalBytes)
        }

        #expect(second.load.totalTasks > 0)
        #expect(second.load.runningTasks >= 1)  // this test is running
        #expect(second.uptime.milliseconds > 0)
        #expect(second.uptime.milliseconds >= first.uptime.milliseconds)
    }

    @Test("system call failures are typed errors naming the path")
    func failures() {
        let source = LinuxHostMetricsSource()
        #expect(
            throws: HostMetricsError(
                .systemCall(errno: ENOENT), file: "/nonexistent/drover", detail: "open failed (errno \(ENOENT))")
        ) {
            try LinuxHostMetricsSource.readFile(atPath: "/nonexistent/drover", maxSize: 1024)
        }
        #expect(
            throws: HostMetricsError(
                .systemCall(errno: ENOENT), file: "/nonexistent/drover", detail: "statvfs failed (errno \(ENOENT))")
        ) {
            try source.filesystemUsage(at: "/nonexistent/drover")
        }
        // /proc files say size 0 yet hold data: the reader reads to EOF and enforces its cap.
        #expect(throws: HostMetricsError(.tooLarge, file: "/proc/self/mounts", detail: "larger than 8 bytes")) {
            try LinuxHostMetricsSource(maxFileSize: 8).read(.mounts)
        }
    }
}
