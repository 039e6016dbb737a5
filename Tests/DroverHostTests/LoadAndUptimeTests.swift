import DroverHost
import Testing

@Suite("/proc/loadavg and /proc/uptime")
struct LoadAndUptimeTests {
    @Test("the captured loadavg of this machine")
    func liveLoad() throws {
        let load = try LoadAverage.parse(try Fixture.bytes("live-loadavg.txt"))
        #expect(
            load == LoadAverage(load1Milli: 220, load5Milli: 2500, load15Milli: 1920, runningTasks: 1, totalTasks: 84))
    }

    @Test("load averages become thousandths without floating point")
    func thousandths() throws {
        let load = try LoadAverage.parse("1.5 12.345678 7 10/2000 1\n")
        #expect(load.load1Milli == 1500)
        #expect(load.load5Milli == 12345)
        #expect(load.load15Milli == 7000)
        #expect(load.runningTasks == 10)
        #expect(load.totalTasks == 2000)
    }

    @Test("malformed loadavg throws naming the file and line")
    func malformedLoad() {
        #expect(
            throws: HostMetricsError(.malformed, file: "/proc/loadavg", line: 1, detail: "\"x\" is not a load average")
        ) {
            try LoadAverage.parse("0.22 x 1.92 2/84 11046\n")
        }
        #expect(
            throws: HostMetricsError(
                .malformed, file: "/proc/loadavg", line: 1, detail: "\"2-84\" is not running/total")
        ) {
            try LoadAverage.parse("0.22 0.1 1.92 2-84 11046\n")
        }
        #expect(
            throws: HostMetricsError(.malformed, file: "/proc/loadavg", line: 1, detail: "\"1.\" is not a load average")
        ) {
            try LoadAverage.parse("1. 0.1 1.92 2/84 11046\n")
        }
        #expect(throws: HostMetricsError(.missingField, file: "/proc/loadavg", detail: "empty file")) {
            try LoadAverage.parse("")
        }
    }

    @Test("the captured uptime of this machine")
    func liveUptime() throws {
        let uptime = try Uptime.parse(try Fixture.bytes("live-uptime.txt"))
        #expect(uptime.milliseconds == 8_401_570)
        #expect(uptime.seconds == 8401)
    }

    @Test("malformed uptime throws naming the file and line")
    func malformedUptime() {
        #expect(
            throws: HostMetricsError(
                .malformed, file: "/proc/uptime", line: 1, detail: "\"-3.0\" is not a number of seconds")
        ) {
            try Uptime.parse("-3.0 1.0\n")
        }
    }
}
