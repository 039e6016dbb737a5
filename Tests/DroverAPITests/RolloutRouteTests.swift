import DroverAPI
import DroverInventory
import DroverStore
import DroverTLS
import DroverTestSupport
import Foundation
import NIOConcurrencyHelpers
import Testing

/// A RolloutControl that records calls and answers from a script (the router's mapping is
/// under test here; the coordinator has its own tests).
final class RecordingRolloutControl: RolloutControl {
    let calls = NIOLockedValueBox<[String]>([])
    let failure = NIOLockedValueBox<RolloutControlError?>(nil)

    static let summary = RolloutSummary(
        id: "r-1", service: "web", kind: "deploy", fromVersion: "v1", toVersion: "v2", phase: "running",
        hostCount: 3, updatedCount: 0, createdAt: 1_800_000_000_000)

    private func record(_ call: String) throws(RolloutControlError) {
        calls.withLockedValue { $0.append(call) }
        if let failure = failure.withLockedValue({ $0 }) { throw failure }
    }

    func deploy(_ request: DeployRequest) async throws(RolloutControlError) -> RolloutSummary {
        try record("deploy \(request.file) \(request.spec.count)")
        return Self.summary
    }

    func rollouts(service: String?) async throws(RolloutControlError) -> [RolloutSummary] {
        try record("rollouts \(service ?? "-")")
        return [Self.summary]
    }

    func rollout(id: String) async throws(RolloutControlError) -> RolloutDetail {
        try record("rollout \(id)")
        return RolloutDetail(
            summary: Self.summary, maxParallel: 1,
            hosts: [
                RolloutHostStatus(host: "h-1", status: "swapping", version: "v2", attempt: 1, step: "health-check")
            ],
            log: [RolloutLogEntry(at: 1, host: "h-1", message: "swap sent")])
    }

    func act(on id: String, action: RolloutOperatorAction) async throws(RolloutControlError) -> RolloutSummary {
        try record("\(action.rawValue) \(id)")
        return Self.summary
    }

    func rollback(service: String, to version: String?) async throws(RolloutControlError) -> RolloutSummary {
        try record("rollback \(service) \(version ?? "previous")")
        return Self.summary
    }

    func canary(service: String, _ request: CanaryRequest) async throws(RolloutControlError) -> RolloutSummary {
        try record("canary \(service) \(request.action?.rawValue ?? "-") \(request.percent.map { "\($0)" } ?? "-")")
        return Self.summary
    }

    func services() async throws(RolloutControlError) -> [ServiceSummary] {
        try record("services")
        return [
            ServiceSummary(
                name: "web", engine: "docker", currentVersion: "v1", hosts: ["h-1"], publicPort: 8000, updatedAt: 1)
        ]
    }

    func history(service: String) async throws(RolloutControlError) -> ServiceHistory {
        try record("history \(service)")
        return ServiceHistory(service: service, currentVersion: "v1", versions: [], rollouts: [Self.summary])
    }
}

@Suite("Rollout routes")
struct RolloutRouteTests {
    let t0: Int64 = 1_800_000_000_000

    func setUp() throws -> (DroverRouter, RecordingRolloutControl, viewer: String, operator: String) {
        let store = try SQLiteStateStore.inMemory()
        let viewer = try store.createAPIToken(name: "viewer", role: .viewer, now: t0).tokenString
        let op = try store.createAPIToken(name: "op", role: .operator, now: t0).tokenString
        var configuration = APIServerConfiguration(tls: TestPKI.shared.serverConfiguration())
        let now = t0
        configuration.clock = { now }
        let control = RecordingRolloutControl()
        let router = DroverRouter(
            configuration: configuration, store: store, inventory: SharedFleetInventory(),
            fleetControl: UnreachableFleetControl(), rolloutControl: control)
        return (router, control, viewer, op)
    }

    func call(
        _ router: DroverRouter, _ method: String, _ target: String, token: String, body: String = ""
    ) async -> APIResponse {
        await router.respond(
            to: APIRequest(
                method: method, target: target, headers: ["authorization": "Bearer \(token)"], body: Array(body.utf8)))
    }

    @Test("each route reaches the control with its arguments and the right role")
    func routesReachTheControl() async throws {
        let (router, control, viewer, op) = try setUp()
        let deploy = try String(
            data: JSONEncoder().encode(DeployRequest(spec: "name: web\n", file: "web.yaml")), encoding: .utf8)!
        #expect(await call(router, "POST", "/v1/deploys", token: op, body: deploy).status == 201)
        #expect(await call(router, "GET", "/v1/rollouts?service=web", token: viewer).status == 200)
        let detail = await call(router, "GET", "/v1/rollouts/r-1", token: viewer)
        let decoded = try APIJSON.decoder().decode(RolloutDetail.self, from: Data(detail.body))
        #expect(decoded.hosts.first?.step == "health-check")
        #expect(String(decoding: detail.body, as: UTF8.self).contains("\"max_parallel\""))
        for action in ["pause", "resume", "abort"] {
            #expect(await call(router, "POST", "/v1/rollouts/r-1/\(action)", token: op).status == 200)
        }
        #expect(await call(router, "POST", "/v1/services/web/rollback", token: op).status == 201)
        #expect(await call(router, "POST", "/v1/services/web/rollback", token: op, body: #"{"to":"v0"}"#).status == 201)
        #expect(await call(router, "GET", "/v1/services", token: viewer).status == 200)
        #expect(await call(router, "GET", "/v1/services/web/history", token: viewer).status == 200)
        #expect(
            await call(router, "POST", "/v1/services/web/canary", token: op, body: #"{"percent":12.5}"#).status == 200)
        #expect(
            await call(router, "POST", "/v1/services/web/canary", token: op, body: #"{"action":"promote"}"#).status
                == 200)
        #expect(
            control.calls.withLockedValue { $0 } == [
                "deploy web.yaml 10", "rollouts web", "rollout r-1", "pause r-1", "resume r-1", "abort r-1",
                "rollback web previous", "rollback web v0", "services", "history web", "canary web - 12.5",
                "canary web promote -",
            ])
    }

    @Test("viewers cannot deploy; bad bodies, unknown actions and wrong methods are refused without a call")
    func refusals() async throws {
        let (router, control, viewer, op) = try setUp()
        #expect(await call(router, "POST", "/v1/deploys", token: viewer, body: "{}").status == 403)
        #expect(await call(router, "POST", "/v1/deploys", token: op, body: "not json").status == 400)
        #expect(await call(router, "POST", "/v1/rollouts/r-1/explode", token: op).status == 404)
        #expect(
            await call(router, "POST", "/v1/services/web/canary", token: viewer, body: #"{"percent":5}"#).status == 403)
        for body in ["{}", #"{"action":"promote","percent":5}"#, #"{"action":"set-weight"}"#, #"{"action":"explode"}"#]
        {
            let answer = await call(router, "POST", "/v1/services/web/canary", token: op, body: body)
            #expect(answer.status == 400, "\(body)")
        }
        let wrong = await call(router, "DELETE", "/v1/rollouts/r-1", token: op)
        #expect(wrong.status == 405 && wrong.headers == [APIHeader("Allow", "GET")])
        #expect(control.calls.withLockedValue { $0 }.isEmpty)
    }

    @Test("control errors map to statuses and keep their message, but for internal ones")
    func errorsMapToStatuses() async throws {
        let (router, control, _, op) = try setUp()
        let cases: [(RolloutControlError, Int, String)] = [
            (.invalidSpec(["web.yaml: ports.public: must be 1-65535"]), 400, "invalid_spec"),
            (.refused("no ready host matches role=web"), 400, "refused"),
            (.notFound("no rollout r-9"), 404, "not_found"),
            (.conflict("rollout r-1 of web is running"), 409, "conflict"),
            (.internal("database is locked"), 500, "internal"),
        ]
        for (error, status, code) in cases {
            control.failure.withLockedValue { $0 = error }
            let answer = await call(router, "POST", "/v1/rollouts/r-1/pause", token: op)
            #expect(answer.status == status)
            let body = try APIJSON.decoder().decode(APIErrorBody.self, from: Data(answer.body))
            // Internal detail is logged, never shown (ErrorHidingTests).
            #expect(body.error == code && body.message == (status == 500 ? "internal error" : error.description))
        }
    }

    @Test("without a coordinator the routes answer 503")
    func noCoordinator() async throws {
        let store = try SQLiteStateStore.inMemory()
        let viewer = try store.createAPIToken(name: "viewer", role: .viewer, now: t0).tokenString
        let router = DroverRouter(
            configuration: APIServerConfiguration(tls: TestPKI.shared.serverConfiguration()), store: store,
            inventory: SharedFleetInventory(), fleetControl: UnreachableFleetControl())
        #expect(await call(router, "GET", "/v1/services", token: viewer).status == 503)
    }
}
