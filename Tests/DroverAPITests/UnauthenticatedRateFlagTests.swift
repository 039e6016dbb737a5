import DroverAPI
import Testing

@testable import DroverCLI

@Suite("drover controller --api-unauthenticated-rate")
struct UnauthenticatedRateFlagTests {
    @Test("BURST/PER_SECOND parses; malformed or out-of-range values are refused")
    func parsesAndRangeChecks() {
        #expect(ControllerRunCommand.parseRate("60/10") == APIRateLimit(burst: 60, perSecond: 10))
        #expect(ControllerRunCommand.parseRate("1/0") == APIRateLimit(burst: 1, perSecond: 0))
        #expect(ControllerRunCommand.parseRate("1000000/1000000") == APIRateLimit(burst: 1_000_000, perSecond: 1_000_000))
        for bad in ["", "60", "60/", "/10", "0/10", "60/-1", "1000001/1", "9999999999999999999999/1", "a/b", "60/10/1"] {
            #expect(ControllerRunCommand.parseRate(bad) == nil, "\(bad)")
        }
    }
}
