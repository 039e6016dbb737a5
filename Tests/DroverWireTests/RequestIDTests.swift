import DroverWire
import Testing

@Suite struct RequestIDTests {
    @Test func initiatorUsesOddIDsFromOne() {
        var ids = RequestIDAllocator(role: .initiator)
        #expect((0..<4).map { _ in ids.next() } == [1, 3, 5, 7])
    }

    @Test func acceptorUsesEvenIDsFromTwo() {
        var ids = RequestIDAllocator(role: .acceptor)
        #expect((0..<4).map { _ in ids.next() } == [2, 4, 6, 8])
    }

    @Test func wrapAroundSkipsZero() {
        var odd = RequestIDAllocator(role: .initiator, first: UInt32.max - 2)
        #expect((0..<3).map { _ in odd.next() } == [UInt32.max - 2, UInt32.max, 1])
        var even = RequestIDAllocator(role: .acceptor, first: UInt32.max - 3)
        #expect((0..<3).map { _ in even.next() } == [UInt32.max - 3, UInt32.max - 1, 2])
    }

    @Test func roleOwnsItsParity() {
        #expect(ConnectionRole.initiator.allocates(1))
        #expect(!ConnectionRole.initiator.allocates(2))
        #expect(ConnectionRole.acceptor.allocates(2))
        #expect(!ConnectionRole.acceptor.allocates(3))
        #expect(!ConnectionRole.acceptor.allocates(0))
        #expect(!ConnectionRole.initiator.allocates(0))
    }

    @Test func trackerEnforcesLimit() {
        var tracker = InFlightTracker(limit: 3)
        #expect(tracker.begin(1) == .ok)
        #expect(tracker.begin(3) == .ok)
        #expect(tracker.begin(5) == .ok)
        #expect(tracker.begin(7) == .tooMany)
        #expect(tracker.count == 3)
        #expect(!tracker.contains(7))
        let completed = tracker.complete(3)
        #expect(completed)
        #expect(tracker.begin(7) == .ok)
        #expect(tracker.count == 3)
    }

    @Test func trackerRejectsDuplicatesAndOneWay() {
        var tracker = InFlightTracker(limit: 2)
        #expect(tracker.begin(0) == .oneWay)
        #expect(tracker.begin(9) == .ok)
        #expect(tracker.begin(9) == .duplicate)
        #expect(tracker.count == 1)
        let unknown = tracker.complete(11)
        let first = tracker.complete(9)
        let second = tracker.complete(9)
        #expect(!unknown, "unknown id")
        #expect(first)
        #expect(!second, "already completed")
        #expect(tracker.isEmpty)
    }

    @Test func trackerDefaultLimitIs128() {
        var tracker = InFlightTracker()
        var ids = RequestIDAllocator(role: .acceptor)
        for _ in 0..<128 { #expect(tracker.begin(ids.next()) == .ok) }
        #expect(tracker.begin(ids.next()) == .tooMany)
    }

    @Test func removeAllReturnsOutstandingSorted() {
        var tracker = InFlightTracker(limit: 8)
        for id: UInt32 in [9, 1, 5] { _ = tracker.begin(id) }
        #expect(tracker.removeAll() == [1, 5, 9])
        #expect(tracker.isEmpty)
    }
}
