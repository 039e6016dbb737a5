import DroverProxy
import Testing

@testable import DroverAgent

/// `show stat` and `show servers state` answers with numbers no HAProxy should send.
struct HAProxyHostileStatsTests {
    static let max = "18446744073709551615"

    @Test func hugeCountersSaturateInsteadOfWrapping() throws {
        let answer = """
            # pxname,svname,scur,stot,bin,bout,econ,eresp,hrsp_5xx,req_tot,ctime,ttime,mode
            web,drover.v1.a,\(Self.max),\(Self.max),\(Self.max),1,\(Self.max),\(Self.max),\(Self.max),\(Self.max),\(Self.max),9223372036854775808,http
            web,drover.v1.b,99999999999999999999999,-1,1e300,nan,0,0,0,0,0,0,tcp

            """
        let rows = try HAProxyStats.servers(inShowStat: answer, backend: "web")
        #expect(rows.count == 2)
        let huge = rows[0]
        #expect(huge.currentSessions == .max && huge.requests == .max)
        #expect(huge.errors == .max)
        #expect(huge.averageLatencyMicroseconds == .max)
        var tcp = huge
        tcp.mode = "tcp"
        #expect(tcp.averageLatencyMicroseconds == .max)
        // Numbers that are not UInt64 read as 0.
        let junk = rows[1]
        #expect(junk.currentSessions == 0 && junk.totalSessions == 0 && junk.bytesIn == 0 && junk.bytesOut == 0)
    }

    @Test func aHistogramOfHugeCountsKeepsASaturatedSum() throws {
        let histogram = HAProxyRouter.histogram(microseconds: .max, count: .max)
        #expect(histogram.count == .max && histogram.sumMicroseconds == .max)
        let metrics = HAProxyRouter.metrics(
            HAProxyStats.ServerRow(
                backend: "web", server: "drover.v1.a", mode: "http", currentSessions: .max, totalSessions: .max,
                totalRequests: .max, responses5xx: .max, connectionErrors: .max, responseErrors: .max, bytesIn: .max,
                bytesOut: .max, averageConnectMilliseconds: .max, averageTotalMilliseconds: .max))
        #expect(metrics.requests == .max && metrics.errors == .max)
    }

    @Test func serverStatePortsOutsideTheRangeReadAsZero() throws {
        let answer = """
            1
            # be_id be_name srv_id srv_name srv_addr srv_op_state srv_port
            3 web 1 a 127.0.0.1 2 99999999999999999999
            3 web 2 b 127.0.0.1 2 70000
            3 web 3 c 127.0.0.1 2 8080

            """
        let states = try HAProxyStats.serverStates(answer, command: "show servers state web")
        #expect(states.map(\.port) == [0, 0, 8080])
    }
}
