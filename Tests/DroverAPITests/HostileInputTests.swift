@testable import DroverAPI
import DroverInventory
import DroverStore
import DroverTestSupport
import Foundation
import NIOConcurrencyHelpers
import Testing

/// Numbers from outside (query values, JSON bodies) at and past their ranges: a clear 400 or a
/// documented clamp, never a trap.
@Suite("Hostile numbers in queries and bodies")
struct HostileInputTests {
    static let t0: Int64 = 1_800_000_000_000

    func setUp() throws -> (DroverRouter, SQLiteStateStore, admin: String) {
        let store = try SQLiteStateStore.inMemory()
        let admin = try store.createAPIToken(name: "admin", role: .admin, now: Self.t0).tokenString
        try store.insertHost(
            HostRecord(
                id: "h-aaaaaaaaaaaa", name: "web-1", address: "192.0.2.10", labels: [:], agentVersion: "0.1.0",
                enrolledAt: Self.t0, lastSeenAt: Self.t0))
        var configuration = APIServerConfiguration(tls: TestPKI.shared.serverConfiguration())
        configuration.clock = { Self.t0 }
        let inventory = SharedFleetInventory()
        _ = inventory.withInventory {
            $0.hostConnected(
                hostID: "h-aaaaaaaaaaaa", name: "web-1", address: "192.0.2.10", agentVersion: "0.1.0", labels: [:],
                now: Self.t0 - 10_000)
        }
        let router = DroverRouter(
            configuration: configuration, store: store, inventory: inventory, fleetControl: UnreachableFleetControl(),
            rolloutControl: RecordingRolloutControl())
        return (router, store, admin)
    }

    func get(_ router: DroverRouter, _ target: String, token: String) async -> APIResponse {
        await router.respond(to: APIRequest(method: "GET", target: target, headers: ["authorization": "Bearer \(token)"]))
    }

    // On the main before this change, 9999999999999999 * 1_000 overflowed Int64 and trapped.
    @Test("since_seconds past the history is clamped: 200 with the whole history, never an overflow")
    func hugeSinceSeconds() async throws {
        let (router, _, admin) = try setUp()
        for value in ["9999999999999999", String(Int64.max), "31622400", "0"] {
            let answer = await get(router, "/v1/hosts/web-1?since_seconds=\(value)", token: admin)
            #expect(answer.status == 200, "since_seconds=\(value)")
            #expect(try JSONDecoder().decode(HostDetail.self, from: Data(answer.body)).host.name == "web-1")
        }
    }

    @Test("since_seconds that is negative, fractional, not a number or past 64 bits is a 400")
    func badSinceSeconds() async throws {
        let (router, _, admin) = try setUp()
        for value in ["-1", "1.5", "abc", "", "99999999999999999999", "1e3", "%2D5"] {
            let answer = await get(router, "/v1/hosts/web-1?since_seconds=\(value)", token: admin)
            #expect(answer.status == 400, "since_seconds=\(value)")
            let body = try errorBody(answer.body)
            #expect(body.error == "bad_request")
            #expect(body.message.contains("since_seconds"))
        }
    }

    @Test("history start: clamped window, and no overflow even at the clock's extremes")
    func historyStartArithmetic() {
        #expect(DroverRouter.historyStart(query: nil, now: Self.t0) == Self.t0 - 3_600_000)
        #expect(DroverRouter.historyStart(query: "60", now: Self.t0) == Self.t0 - 60_000)
        #expect(
            DroverRouter.historyStart(query: String(Int64.max), now: Self.t0)
                == Self.t0 - DroverRouter.maxHistorySeconds * 1_000)
        #expect(DroverRouter.historyStart(query: String(Int64.max), now: Int64.min + 5) == Int64.min)
        #expect(DroverRouter.historyStart(query: "-5", now: Self.t0) == nil)
    }

    @Test("canary percent outside 0-100 (or not a JSON number) is a 400 and reaches no coordinator")
    func canaryPercent() async throws {
        let store = try SQLiteStateStore.inMemory()
        let op = try store.createAPIToken(name: "ops", role: .operator, now: Self.t0).tokenString
        let control = RecordingRolloutControl()
        var configuration = APIServerConfiguration(tls: TestPKI.shared.serverConfiguration())
        configuration.clock = { Self.t0 }
        let router = DroverRouter(
            configuration: configuration, store: store, inventory: SharedFleetInventory(),
            fleetControl: UnreachableFleetControl(), rolloutControl: control)
        for percent in ["1e300", "-0.5", "100.01", "1e999", "9223372036854775808", "\"50\""] {
            let answer = await router.respond(
                to: APIRequest(
                    method: "POST", target: "/v1/services/web/canary", headers: ["authorization": "Bearer \(op)"],
                    body: Array("{\"percent\":\(percent)}".utf8)))
            #expect(answer.status == 400, "percent \(percent)")
        }
        #expect(control.calls.withLockedValue { $0 }.isEmpty)
        #expect(
            CanaryRequest(percent: .nan).resolved()
                == .failure(CanaryRequestError("percent must be from 0 to 100, got nan")))
        #expect(CanaryRequest(percent: .infinity).resolved().isFailure)
        #expect(CanaryRequest(percent: 0).resolved() == .success(.setWeight))
        #expect(CanaryRequest(percent: 100).resolved() == .success(.setWeight))
    }

    @Test("join token ttl_seconds and uses at and past their ranges are 400s and create nothing")
    func tokenNumbers() async throws {
        let (router, store, admin) = try setUp()
        let bodies = [
            "{\"ttl_seconds\":9223372036854775807}", "{\"ttl_seconds\":9223372036854775808}",
            "{\"ttl_seconds\":-9223372036854775808}", "{\"ttl_seconds\":1e30}", "{\"ttl_seconds\":0}",
            "{\"ttl_seconds\":1.5}", "{\"uses\":0}", "{\"uses\":-1}", "{\"uses\":9223372036854775808}",
            "{\"uses\":1e19}",
        ]
        for body in bodies {
            let answer = await router.respond(
                to: APIRequest(
                    method: "POST", target: "/v1/tokens", headers: ["authorization": "Bearer \(admin)"],
                    body: Array(body.utf8)))
            #expect(answer.status == 400, "\(body)")
        }
        #expect(try store.listJoinTokens().isEmpty)
    }
}

extension Result {
    var isFailure: Bool {
        if case .failure = self { return true }
        return false
    }
}
