import DroverHost
import Testing

@Suite("/proc/meminfo")
struct MemoryInfoTests {
    @Test("the captured meminfo of this machine: MemAvailable used, kB converted to bytes")
    func liveFixture() throws {
        let memory = try MemoryInfo.parse(try Fixture.bytes("live-meminfo.txt"))
        #expect(memory.totalBytes == 24_683_656 * 1024)
        #expect(memory.availableBytes == 24_353_620 * 1024)
        #expect(memory.usedBytes == (24_683_656 - 24_353_620) * 1024)
        #expect(!memory.availableIsEstimate)
        #expect(memory.swapTotalBytes == 0)
        #expect(memory.swapUsedBytes == 0)
    }

    @Test("an old kernel without MemAvailable falls back to MemFree + Buffers + Cached")
    func oldKernel() throws {
        let memory = try MemoryInfo.parse(try Fixture.bytes("meminfo-old-kernel.txt"))
        #expect(memory.totalBytes == 8_061_372 * 1024)
        #expect(memory.availableBytes == (512_344 + 204_812 + 3_120_456) * 1024)
        #expect(memory.usedBytes == (8_061_372 - 512_344 - 204_812 - 3_120_456) * 1024)
        #expect(memory.availableIsEstimate)
        #expect(memory.swapTotalBytes == 2_097_148 * 1024)
        #expect(memory.swapUsedBytes == (2_097_148 - 1_835_004) * 1024)
    }

    @Test("unknown and odd lines are ignored; available never exceeds total")
    func tolerant() throws {
        let memory = try MemoryInfo.parse(
            """
            MemTotal: 100 kB
            SomethingNew: 1 2 3 whatever
            no colon here at all
            MemAvailable: 200 kB
            HugePages_Total: 0
            """)
        #expect(memory.totalBytes == 102_400)
        #expect(memory.availableBytes == 102_400)
        #expect(memory.usedBytes == 0)
    }

    @Test("malformed or missing values throw an error naming /proc/meminfo and the line")
    func malformed() {
        #expect(
            throws: HostMetricsError(.malformed, file: "/proc/meminfo", line: 2, detail: "MemFree has no numeric value")
        ) {
            try MemoryInfo.parse("MemTotal: 100 kB\nMemFree: lots kB\n")
        }
        #expect(
            throws: HostMetricsError(
                .malformed, file: "/proc/meminfo", line: 1, detail: "MemTotal has unknown unit \"MB\"")
        ) {
            try MemoryInfo.parse("MemTotal: 100 MB\n")
        }
        #expect(throws: HostMetricsError(.missingField, file: "/proc/meminfo", detail: "no MemTotal line")) {
            try MemoryInfo.parse("MemFree: 100 kB\n")
        }
        #expect(throws: HostMetricsError(.missingField, file: "/proc/meminfo", detail: "no Cached line")) {
            try MemoryInfo.parse("MemTotal: 100 kB\nMemFree: 1 kB\nBuffers: 1 kB\n")
        }
        #expect(
            throws: HostMetricsError(.malformed, file: "/proc/meminfo", line: 1, detail: "MemTotal overflows 64 bits")
        ) {
            try MemoryInfo.parse("MemTotal: 18446744073709551615 kB\n")
        }
    }

    @Test("errors describe themselves as file:line: detail")
    func description() {
        let error = HostMetricsError(.malformed, file: "/proc/meminfo", line: 7, detail: "bad")
        #expect(error.description == "/proc/meminfo:7: bad")
        #expect(HostMetricsError(.tooLarge, file: "/x", detail: "big").description == "/x: big")
    }
}
