import DroverHost
import Glibc
import Testing

@Suite("HostMetricsCollector over a fake source")
struct CollectorTests {
    static let usage = FilesystemUsage(
        totalBytes: 100 << 30, usedBytes: 40 << 30, availableBytes: 55 << 30, inodesTotal: 6_553_600,
        inodesFree: 6_000_000)
    static let realMounts = [
        "/", "/home", "/var/log", "/boot/efi", "/var/lib/docker", "/mnt/Backup Disk",
        "/srv/tab\tand\\slash", "/mnt/media", "/mnt/builds", "/scratch",
    ]

    /// Fixtures for every file; `/proc/stat` moves from sample a to sample b on the second round.
    static func files(meminfo: [[UInt8]?]? = nil) throws -> [ProcFile: [[UInt8]?]] {
        [
            .stat: [try Fixture.bytes("stat-64core-a.txt"), try Fixture.bytes("stat-64core-b.txt")],
            .meminfo: try meminfo ?? [Fixture.bytes("meminfo-old-kernel.txt")],
            .mounts: [try Fixture.bytes("mounts-mixed.txt")],
            .loadavg: [try Fixture.bytes("live-loadavg.txt")],
            .uptime: [try Fixture.bytes("live-uptime.txt")],
            .netDev: [try Fixture.bytes("net-dev-many.txt")],
        ]
    }

    static func filesystems() -> [String: FilesystemUsage] {
        Dictionary(uniqueKeysWithValues: realMounts.map { ($0, usage) })
    }

    @Test("two collections: no CPU usage the first time, exact basis points the second")
    func twoSamples() throws {
        let start = ContinuousClock.now
        var collector = HostMetricsCollector(
            source: FakeHostMetricsSource(files: try Self.files(), filesystems: Self.filesystems()))

        let first = try collector.collect(now: start)
        #expect(first.cpu == nil)
        #expect(first.interval == nil)
        #expect(first.collectedAt == start)
        #expect(first.cpuCount == 64)
        #expect(first.memory.totalBytes == 8_061_372 * 1024)
        #expect(first.memory.availableIsEstimate)
        #expect(first.load.load5Milli == 2500)
        #expect(first.uptime.seconds == 8401)
        #expect(first.disks.map(\.mountPoint) == Self.realMounts)
        #expect(
            first.disks[0]
                == DiskUsage(
                    mount: MountEntry(device: "/dev/nvme0n1p2", mountPoint: "/", fsType: "btrfs"), usage: Self.usage))
        #expect(first.disks[0].freeBytes == 55 << 30)
        #expect(first.diskErrors.isEmpty)
        #expect(first.network.count == 9)
        #expect(!first.network.contains { $0.name == "lo" })

        let second = try collector.collect(now: start + .seconds(5))
        #expect(second.interval == .seconds(5))
        let cpu = try #require(second.cpu)
        #expect(cpu.total == CPUShare(busy: 3603, user: 2619, system: 984, iowait: 492, steal: 0))
        #expect(cpu.cores.count == 64)
        #expect(cpu.cores[0].share.user == 2500)
        #expect(cpu.cores[62].share.busy == 10000)
    }

    @Test("a failing statvfs skips that mount, counts failures in a row, and resets on success")
    func failingMount() throws {
        let start = ContinuousClock.now
        var collector = HostMetricsCollector(
            source: FakeHostMetricsSource(
                files: try Self.files(), filesystems: Self.filesystems(), failingRounds: ["/mnt/media": [0, 1]]))

        let first = try collector.collect(now: start)
        #expect(first.disks.count == Self.realMounts.count - 1)
        #expect(!first.disks.contains { $0.mountPoint == "/mnt/media" })
        #expect(first.diskErrors.count == 1)
        let error = try #require(first.diskErrors.first)
        #expect(error.mountPoint == "/mnt/media")
        #expect(error.device == "nas.example.internal:/export/media")
        #expect(error.fsType == "nfs4")
        #expect(error.error.kind == .systemCall(errno: ESTALE))
        #expect(error.consecutiveFailures == 1)

        let second = try collector.collect(now: start + .seconds(5))
        #expect(second.diskErrors.map(\.consecutiveFailures) == [2])
        #expect(second.cpu != nil)

        let third = try collector.collect(now: start + .seconds(10))
        #expect(third.diskErrors.isEmpty)
        #expect(third.disks.count == Self.realMounts.count)
    }

    @Test("a kernel file that cannot be read fails the call and leaves the previous sample")
    func failedCollectionKeepsState() throws {
        let start = ContinuousClock.now
        let meminfo = try Fixture.bytes("live-meminfo.txt")
        var files = try Self.files(meminfo: [meminfo, nil, meminfo])
        files[.stat] = [
            try Fixture.bytes("stat-64core-a.txt"), try Fixture.bytes("live-stat.txt"),
            try Fixture.bytes("stat-64core-b.txt"),
        ]
        var collector = HostMetricsCollector(
            source: FakeHostMetricsSource(files: files, filesystems: Self.filesystems()))

        _ = try collector.collect(now: start)
        #expect(
            throws: HostMetricsError(.systemCall(errno: ENOENT), file: "/proc/meminfo", detail: "fake: no such file")
        ) {
            try collector.collect(now: start + .seconds(5))
        }
        let third = try collector.collect(now: start + .seconds(10))
        #expect(third.interval == .seconds(10))
        #expect(third.cpu?.total.user == 2619)
    }

    @Test("the configuration chooses interfaces and mounts")
    func configuration() throws {
        var filter = MountFilter.default
        filter.excludedFileSystemTypes.formUnion(["nfs", "nfs4"])
        var collector = HostMetricsCollector(
            source: FakeHostMetricsSource(files: try Self.files(), filesystems: Self.filesystems()),
            configuration: HostMetricsConfiguration(mountFilter: filter, excludedInterfaces: ["lo", "docker0"]))
        let snapshot = try collector.collect(now: .now)
        #expect(
            snapshot.network.map(\.name) == [
                "eno1", "eno2", "bond0", "veth1a2b3c4", "br-7f6e5d4c3b2a", "wlan0", "tun0", "eth9",
            ])
        #expect(!snapshot.disks.contains { $0.fsType.hasPrefix("nfs") })
        #expect(snapshot.disks.count == Self.realMounts.count - 2)
    }

    @Test("statvfs block counts become bytes; used counts reserved blocks as free, like df")
    func filesystemUsage() {
        let usage = FilesystemUsage(
            blocks: 1000, blocksFree: 400, blocksAvailable: 350, fragmentSize: 4096, files: 64, filesFree: 10)
        #expect(
            usage
                == FilesystemUsage(
                    totalBytes: 4_096_000, usedBytes: 2_457_600, availableBytes: 1_433_600, inodesTotal: 64,
                    inodesFree: 10))
        let absurd = FilesystemUsage(
            blocks: .max, blocksFree: .max, blocksAvailable: .max, fragmentSize: 4096, files: 0, filesFree: 0)
        #expect(absurd.totalBytes == .max)
        #expect(absurd.usedBytes == 0)
    }
}
