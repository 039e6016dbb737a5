import DroverHost
import Testing

@Suite("/proc/net/dev")
struct NetworkDevicesTests {
    @Test("the captured net/dev of this machine")
    func liveFixture() throws {
        let devices = try NetworkDevices.parse(try Fixture.bytes("live-net-dev.txt"))
        #expect(devices.interfaces.map(\.name) == ["lo", "ifb0", "ifb1", "eth0"])
        #expect(
            devices.interfaces[3]
                == InterfaceCounters(name: "eth0", rxBytes: 19_286_508, rxPackets: 558, txBytes: 27153, txPackets: 345))
    }

    @Test("many interfaces, 64-bit counters and the old no-space format")
    func many() throws {
        let devices = try NetworkDevices.parse(try Fixture.bytes("net-dev-many.txt"))
        #expect(
            devices.interfaces.map(\.name) == [
                "lo", "eno1", "eno2", "bond0", "docker0", "veth1a2b3c4", "br-7f6e5d4c3b2a", "wlan0", "tun0", "eth9",
            ])
        let eno1 = devices.interfaces[1]
        #expect(eno1.rxBytes == UInt64.max)
        #expect(eno1.rxErrors == 3)
        #expect(eno1.rxDropped == 17)
        #expect(eno1.txBytes == 456_789_012_345)
        #expect(eno1.txDropped == 2)
        #expect(
            devices.interfaces[9]
                == InterfaceCounters(
                    name: "eth9", rxBytes: 123_456_789, rxPackets: 1000, txBytes: 987_654_321, txPackets: 2000))
    }

    @Test("malformed lines throw naming the file and line")
    func malformed() {
        let header = "Inter-|   Receive |  Transmit\n face |bytes packets|bytes packets\n"
        #expect(
            throws: HostMetricsError(
                .malformed, file: "/proc/net/dev", line: 3, detail: "expected 16 counters, found 3")
        ) {
            try NetworkDevices.parse(header + "eth0: 1 2 3\n")
        }
        #expect(throws: HostMetricsError(.malformed, file: "/proc/net/dev", line: 3, detail: "\"x\" is not a counter"))
        {
            try NetworkDevices.parse(header + "eth0: 1 2 3 4 5 6 7 8 x 10 11 12 13 14 15 16\n")
        }
        #expect(
            throws: HostMetricsError(
                .malformed, file: "/proc/net/dev", line: 4, detail: "expected \"interface: counters\"")
        ) {
            try NetworkDevices.parse(header + "\njunk\n")
        }
    }
}
