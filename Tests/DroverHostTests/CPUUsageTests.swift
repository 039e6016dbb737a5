import DroverHost
import Testing

@Suite("/proc/stat and CPU usage")
struct CPUUsageTests {
    @Test("the captured /proc/stat of this machine parses")
    func liveFixture() throws {
        let sample = try CPUSample.parse(try Fixture.bytes("live-stat.txt"))
        #expect(
            sample.total
                == CPUTimes(
                    user: 92582, nice: 0, system: 6519, idle: 1_577_280, iowait: 1127, irq: 0, softirq: 235, steal: 440)
        )
        #expect(sample.cores.keys.sorted() == [0, 1])
        #expect(
            sample.cores[1] == CPUTimes(user: 50271, system: 3276, idle: 784_396, iowait: 734, softirq: 133, steal: 224)
        )
    }

    @Test("64 cores: known deltas give exact basis points, in total and per core")
    func sixtyFourCores() throws {
        let first = try CPUSample.parse(try Fixture.bytes("stat-64core-a.txt"))
        let second = try CPUSample.parse(try Fixture.bytes("stat-64core-b.txt"))
        let usage = CPUUsage(from: first, to: second)
        // Total deltas: user+nice 1650, system+irq+softirq 620, idle 3720, iowait 310 = 6300 ticks.
        #expect(usage.total == CPUShare(busy: 3603, user: 2619, system: 984, iowait: 492, steal: 0))
        #expect(usage.cores.count == 64)
        #expect(usage.cores.map(\.index) == Array(0..<64))
        // Cores 0…61: user 20 + nice 5, system 6 + irq 2 + softirq 2, idle 60, iowait 5 of 100.
        #expect(usage.cores[0].share == CPUShare(busy: 3500, user: 2500, system: 1000, iowait: 500, steal: 0))
        #expect(usage.cores[61].share == usage.cores[0].share)
        #expect(usage.cores[62].share == CPUShare(busy: 10000, user: 10000, system: 0, iowait: 0, steal: 0))
        #expect(usage.cores[63].share == .zero)
    }

    @Test("a quarter of the ticks in user mode is exactly 2500 bp")
    func quarterUser() throws {
        let before = try CPUSample.parse("cpu  100 0 0 100 0 0 0 0\ncpu0 100 0 0 100 0 0 0 0\n")
        let after = try CPUSample.parse("cpu  125 0 0 175 0 0 0 0\ncpu0 125 0 0 175 0 0 0 0\n")
        let usage = CPUUsage(from: before, to: after)
        #expect(usage.total.user == 2500)
        #expect(usage.total.busy == 2500)
        #expect(usage.cores == [CoreUsage(index: 0, share: usage.total)])
    }

    @Test("steal counts as busy and is reported on its own")
    func steal() {
        let share = CPUShare(from: CPUTimes(), to: CPUTimes(user: 10, idle: 80, steal: 10))
        #expect(share == CPUShare(busy: 2000, user: 1000, system: 0, iowait: 0, steal: 1000))
    }

    @Test("no elapsed ticks gives zero, not a division by zero")
    func zeroDelta() throws {
        let sample = try CPUSample.parse(try Fixture.bytes("live-stat.txt"))
        let usage = CPUUsage(from: sample, to: sample)
        #expect(usage.total == .zero)
        #expect(usage.cores.allSatisfy { $0.share == .zero })
    }

    @Test("counters going backwards count as zero; absurd values saturate instead of trapping")
    func countersGoingBackwards() {
        let backwards = CPUShare(
            from: CPUTimes(user: 1000, system: 50, idle: 1000),
            to: CPUTimes(user: 500, system: 50, idle: 1100)
        )
        #expect(backwards == CPUShare(busy: 0, user: 0, system: 0, iowait: 0, steal: 0))

        let reset = CPUShare(from: CPUTimes(user: .max, idle: .max), to: CPUTimes())
        #expect(reset == .zero)

        let huge = CPUShare(from: CPUTimes(), to: CPUTimes(user: .max, system: .max, idle: .max, steal: .max))
        #expect(huge.busy <= 10000 && huge.user <= 10000 && huge.steal <= 10000)
    }

    @Test("hotplug: only cores present in both samples get usage")
    func hotplug() throws {
        let before = try CPUSample.parse(
            "cpu  40 0 0 40\ncpu0 10 0 0 10\ncpu1 10 0 0 10\ncpu2 10 0 0 10\ncpu3 10 0 0 10\n")
        let after = try CPUSample.parse(
            "cpu  80 0 0 80\ncpu0 20 0 0 20\ncpu1 20 0 0 20\ncpu3 20 0 0 20\ncpu4 99 0 0 1\n")
        let usage = CPUUsage(from: before, to: after)
        #expect(usage.cores.map(\.index) == [0, 1, 3])
        #expect(usage.cores.allSatisfy { $0.share.user == 5000 })
        #expect(usage.total.user == 5000)
        #expect(after.cores.count == 4)
    }

    @Test("old kernels with only four columns parse, missing columns as zero")
    func oldKernel() throws {
        let sample = try CPUSample.parse("cpu 1 2 3 4\ncpu0 1 2 3 4\npage 5 6\n")
        #expect(sample.total == CPUTimes(user: 1, nice: 2, system: 3, idle: 4))
    }

    @Test("malformed lines throw an error naming /proc/stat and the line")
    func malformed() {
        #expect(
            throws: HostMetricsError(
                .malformed, file: "/proc/stat", line: 3, detail: "\"abc\" is not a jiffies counter")
        ) {
            try CPUSample.parse("cpu  1 2 3 4\ncpu0 1 2 3 4\ncpu1 1 abc 3 4\n")
        }
        #expect(
            throws: HostMetricsError(
                .malformed, file: "/proc/stat", line: 2, detail: "expected at least 4 counters, found 2")
        ) {
            try CPUSample.parse("cpu  1 2 3 4\ncpu0 1 2\n")
        }
        #expect(
            throws: HostMetricsError(.malformed, file: "/proc/stat", line: 1, detail: "unexpected CPU name \"cpuX\"")
        ) {
            try CPUSample.parse("cpuX 1 2 3 4\n")
        }
        #expect(throws: HostMetricsError(.missingField, file: "/proc/stat", detail: "no aggregate \"cpu\" line")) {
            try CPUSample.parse("intr 1 2 3\nctxt 5\n")
        }
        #expect(throws: HostMetricsError.self) { try CPUSample.parse("cpu  1 2 3 99999999999999999999999\n") }
    }
}
