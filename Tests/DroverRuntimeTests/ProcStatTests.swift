import DroverRuntime
import Testing

@Suite struct ProcStatTests {
    @Test func parsesStateGroupAndStartTime() throws {
        let text =
            "4242 (httpd) S 1 4242 4242 0 -1 4194560 120 0 0 0 1 2 0 0 20 0 1 0 987654 2207744 64 "
            + "18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0\n"
        let stat = try #require(ProcStat(parsing: text))
        #expect(stat.state == "S")
        #expect(stat.processGroup == 4242)
        #expect(stat.startTime == 987654)
        #expect(!stat.isDead)
    }

    @Test func aCommandNameWithSpacesAndParenthesesDoesNotShiftTheFields() throws {
        let text = "7 (a) b (c) d) Z 1 7 7 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 555 0 0 0\n"
        let stat = try #require(ProcStat(parsing: text))
        #expect(stat.state == "Z")
        #expect(stat.isDead)
        #expect(stat.startTime == 555)
    }

    @Test func malformedTextIsRejected() {
        #expect(ProcStat(parsing: "") == nil)
        #expect(ProcStat(parsing: "12 (x) S 1 2") == nil)
        #expect(ProcStat(parsing: "12 x S 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20") == nil)
    }

    @Test func readsThisProcess() throws {
        let stat = try #require(ProcStat(parsing: try procSelfStat()))
        #expect(stat.state == "R" || stat.state == "S")
        #expect(stat.startTime > 0)
    }
}
