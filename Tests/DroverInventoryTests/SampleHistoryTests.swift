import Testing

@testable import DroverInventory

@Suite("Sample history packing")
struct SampleHistoryTests {
    func sample(at: Int64, cpu: Int = 1_234) -> HostSample {
        HostSample(
            at: at, cpuBasisPoints: cpu, memoryUsedBytes: 3 << 30, memoryTotalBytes: 8 << 30,
            diskMaxBasisPoints: 4_321, diskMaxMountPoint: "/var", load1Milli: 2_500)
    }

    @Test("a packed sample takes 24 bytes")
    func packedSize() {
        #expect(MemoryLayout<PackedSample>.stride == 24)
    }

    @Test("times round-trip to the millisecond, above 32 bits and at the 48-bit limit")
    func timesRoundTrip() {
        var history = SampleHistory(milliseconds: 3_600_000, interval: 5_000)
        let times: [Int64] = [t0, t0 + 4_999, 4_294_967_296, PackedSample.maxAt]
        for time in times { history.append(sample(at: time)) }
        #expect(history.elements.map(\.at) == times)
        #expect(history.elements.allSatisfy { $0.diskMaxMountPoint == "/var" && $0.load1Milli == 2_500 })
        #expect(history.last == sample(at: PackedSample.maxAt))
    }

    @Test("times outside 0...2^48-1 are clamped, not wrapped")
    func timesClamp() {
        #expect(
            PackedSample(
                at: -5, memoryUsedKiB: 0, memoryTotalKiB: 0, load1Milli: 0, cpuBasisPoints: 0,
                diskMaxBasisPoints: 0, mountIndex: 0
            ).at == 0)
        #expect(
            PackedSample(
                at: .max, memoryUsedKiB: 0, memoryTotalKiB: 0, load1Milli: 0, cpuBasisPoints: 0,
                diskMaxBasisPoints: 0, mountIndex: 0
            ).at == PackedSample.maxAt)
    }
}
