import NIOCore
import Testing

@testable import DroverSession

/// When ``SessionInputHandler`` delivers a tick: every interval in the opening phase (unless
/// the session ended it), afterwards only once the peer has been quiet for a heartbeat interval.
@Suite struct TickPolicyTests {
    let policy = SessionInputHandler.TickPolicy(
        interval: .seconds(1), openingPhase: .seconds(35), quietBeforeTicks: .seconds(5))
    let opened = NIODeadline.uptimeNanoseconds(1_000_000_000_000)

    func due(at seconds: Int64, lastInboundAfter inbound: Int64, openingEnded: Bool = false) -> Bool {
        SessionInputHandler.isDue(
            now: opened + .seconds(seconds), openedAt: opened, lastInboundAt: opened + .seconds(inbound),
            policy: policy,
            openingEnded: openingEnded)
    }

    @Test func theOpeningPhaseTicksEvenWhileFramesArrive() {
        #expect(due(at: 1, lastInboundAfter: 1))
        #expect(due(at: 34, lastInboundAfter: 34))
        #expect(!due(at: 35, lastInboundAfter: 34))
    }

    @Test func afterTheOpeningPhaseOnlySilenceTicks() {
        #expect(!due(at: 40, lastInboundAfter: 36))
        #expect(due(at: 41, lastInboundAfter: 36))
    }

    @Test func endingTheOpeningPhaseStopsItsTicksButNotTheQuietOnes() {
        #expect(!due(at: 1, lastInboundAfter: 1, openingEnded: true))
        #expect(!due(at: 4, lastInboundAfter: 0, openingEnded: true))
        #expect(due(at: 5, lastInboundAfter: 0, openingEnded: true))
        #expect(due(at: 12, lastInboundAfter: 6, openingEnded: true))
    }
}
