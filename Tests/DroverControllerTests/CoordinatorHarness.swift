import DroverAPI
import DroverController
import DroverRollout
import DroverStore
import DroverWire
import Foundation
import SwiftProtobuf
import Synchronization
import Testing

/// A ``CommandDispatcher`` that records what it is given; hosts in `offline` have no session.
final class RecordingDispatcher: CommandDispatcher {
    struct Sent: Sendable {
        var host: String
        var command: Drover_V1_Command
    }

    private let box = Mutex<(sent: [Sent], offline: Set<String>)>(([], []))

    var sent: [Sent] { box.withLock { $0.sent } }

    func setOffline(_ hosts: Set<String>) {
        box.withLock { $0.offline = hosts }
    }

    func send(_ command: Drover_V1_Command, to hostID: String) -> Bool {
        box.withLock { state in
            guard !state.offline.contains(hostID) else { return false }
            state.sent.append(Sent(host: hostID, command: command))
            return true
        }
    }
}

/// Ready hosts by hand.
final class FakeAvailability: HostAvailability {
    private let ready = Mutex<Set<String>>([])

    func set(_ hosts: Set<String>) {
        ready.withLock { $0 = hosts }
    }

    func readyHostIDs() -> Set<String> {
        ready.withLock { $0 }
    }
}

/// A clock tests move by hand.
final class ManualClock: Sendable {
    private let value: Mutex<Int64>

    init(_ start: Int64) {
        value = Mutex(start)
    }

    var now: Int64 { value.withLock { $0 } }

    func advance(_ milliseconds: Int64) {
        value.withLock { $0 += milliseconds }
    }
}

let t0: Int64 = 1_800_000_000_000

/// A spec for service `web` on hosts labelled role=web.
func webSpec(_ tag: String, maxParallel: String = "2", extra: String = "") -> String {
    """
    name: web
    image: localhost/web:\(tag)
    env: {GREETING: hello}
    ports: {container: 8080, public: 80}
    hosts: {labels: {role: web}}
    health:
      http: {path: /health, status: 200}
    update: {max_parallel: \(maxParallel), min_healthy_time: 10s}
    \(extra)
    """
}

/// A coordinator over a real SQLite store in a temp directory, a recording dispatcher and a
/// manual clock; hosts h-1…h-3 (web-1…web-3, role=web) are enrolled and ready.
final class CoordinatorHarness {
    let directory: String
    var store: SQLiteStateStore
    var dispatcher = RecordingDispatcher()
    let availability = FakeAvailability()
    let clock = ClockBox(ManualClock(t0))
    var coordinator: RolloutCoordinator
    let hosts = ["h-1", "h-2", "h-3"]

    /// Boxes the clock so a restarted coordinator shares it.
    final class ClockBox: Sendable {
        let clock: ManualClock
        init(_ clock: ManualClock) { self.clock = clock }
    }

    init() throws {
        directory =
            FileManager.default.temporaryDirectory.path + "/drover-coordinator-\(UInt64.random(in: 0...UInt64.max))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        store = try SQLiteStateStore(path: directory + "/state.db")
        for (index, id) in hosts.enumerated() {
            try store.insertHost(
                HostRecord(
                    id: id, name: "web-\(index + 1)", address: "10.0.0.\(index + 1)", labels: ["role": "web"],
                    agentVersion: "1", enrolledAt: t0, lastSeenAt: t0))
        }
        try store.insertHost(
            HostRecord(
                id: "h-db", name: "db-1", address: "10.0.1.1", labels: ["role": "db"], agentVersion: "1",
                enrolledAt: t0, lastSeenAt: t0))
        availability.set(Set(hosts + ["h-db"]))
        let clock = self.clock.clock
        coordinator = RolloutCoordinator(
            store: store, dispatcher: dispatcher, availability: availability, now: { clock.now })
        try coordinator.resume()
    }

    deinit {
        try? store.close()
        try? FileManager.default.removeItem(atPath: directory)
    }

    var now: Int64 { clock.clock.now }

    func advance(_ milliseconds: Int64) {
        clock.clock.advance(milliseconds)
        coordinator.tick()
    }

    /// The rollout's persisted state machine state: assembled from its parts while it runs
    /// (plan, progress, rollback, one per host), its row's JSON once it finished.
    func persisted(_ id: String) throws -> RolloutState {
        let record = try #require(try store.rollout(id: id))
        let parts = try store.rolloutParts(id: id)
        let decoder = JSONDecoder()
        guard !record.isFinished else {
            #expect(parts.isEmpty)
            return try decoder.decode(RolloutState.self, from: Data(record.stateJSON.utf8))
        }
        let byName = Dictionary(uniqueKeysWithValues: parts.map { ($0.name, Data($0.stateJSON.utf8)) })
        var state = RolloutState(plan: try decoder.decode(RolloutPlan.self, from: try #require(byName["plan"])))
        struct Progress: Decodable {
            var phase: RolloutPhase
            var startedAt: Int64?
            var lastProgressAt: Int64
        }
        let progress = try decoder.decode(Progress.self, from: try #require(byName["progress"]))
        state.phase = progress.phase
        state.startedAt = progress.startedAt
        state.lastProgressAt = progress.lastProgressAt
        state.rollback = try byName["rollback"].map { try decoder.decode(RollbackReport.self, from: $0) }
        state.hosts = try state.plan.hosts.map {
            try decoder.decode(RolloutHost.self, from: try #require(byName["host:\($0)"]))
        }
        #expect(parts.count == 2 + state.hosts.count + (state.rollback == nil ? 0 : 1))
        return state
    }

    /// A controller restart: a new store on the same file, a new dispatcher, a new coordinator.
    func restart() throws {
        try store.close()
        store = try SQLiteStateStore(path: directory + "/state.db")
        dispatcher = RecordingDispatcher()
        let clock = self.clock.clock
        coordinator = RolloutCoordinator(
            store: store, dispatcher: dispatcher, availability: availability, now: { clock.now })
        try coordinator.resume()
    }

    /// Every swap/rollback command sent so far (not confirms).
    var swaps: [RecordingDispatcher.Sent] {
        dispatcher.sent.filter { $0.command.kind == .swap || $0.command.kind == .rollback }
    }

    var confirms: [RecordingDispatcher.Sent] {
        dispatcher.sent.filter { $0.command.kind == .confirm }
    }

    func payload(_ sent: RecordingDispatcher.Sent) throws -> Drover_V1_SwapPayload {
        try Drover_V1_SwapPayload(serializedBytes: sent.command.payload)
    }

    func accept(_ sent: RecordingDispatcher.Sent) {
        var ack = Drover_V1_CommandAck()
        ack.commandID = sent.command.id
        ack.status = .accepted
        coordinator.acknowledged(hostID: sent.host, ack)
    }

    func succeed(_ sent: RecordingDispatcher.Sent) {
        var result = Drover_V1_CommandResult()
        result.commandID = sent.command.id
        result.outcome = .succeeded
        result.details = ["version": (try? payload(sent).version) ?? ""]
        coordinator.received(hostID: sent.host, result)
    }

    func fail(_ sent: RecordingDispatcher.Sent, observed: String, threshold: String) {
        var result = Drover_V1_CommandResult()
        result.commandID = sent.command.id
        result.outcome = .failed
        result.message = "new instance unhealthy"
        result.details = ["observed": observed, "threshold": threshold]
        coordinator.received(hostID: sent.host, result)
    }

    /// Answers every unanswered swap as accepted and healthy, lets min_healthy_time pass, until
    /// the rollout finishes.
    func driveToEnd(_ id: String, maxSteps: Int = 20) throws {
        var answered = Set<String>()
        for _ in 0..<maxSteps {
            for sent in swaps where answered.insert(sent.command.id).inserted {
                accept(sent)
                succeed(sent)
            }
            if try coordinator.rollout(id).summary.isFinished { return }
            advance(10_000)
        }
        Issue.record("rollout \(id) did not finish in \(maxSteps) steps")
    }

    /// Deploys `tag` and drives it to success.
    @discardableResult
    func deployAndFinish(_ tag: String) throws -> RolloutSummary {
        let summary = try coordinator.deploy(specText: webSpec(tag), fileName: "web.yaml")
        try driveToEnd(summary.id)
        return try #require(try coordinator.rollouts().first { $0.id == summary.id })
    }
}

/// The error `body` throws as a ``RolloutCoordinatorError``.
func coordinatorError(_ body: () throws -> Void) -> RolloutCoordinatorError? {
    do {
        try body()
        return nil
    } catch let error as RolloutCoordinatorError {
        return error
    } catch {
        Issue.record("unexpected error \(error)")
        return nil
    }
}
