import DroverAPI
import DroverInventory
import DroverStore
import DroverTestSupport
import Foundation
import NIOConcurrencyHelpers
import Testing

/// Internal error detail reaches the log with the request id, never the caller.
@Suite("Internal errors hidden from callers")
struct ErrorHidingTests {
    @Test("a coordinator's internal error: the caller gets the request id, the log gets the detail")
    func rolloutInternal() async throws {
        let store = try SQLiteStateStore.inMemory()
        let op = try store.createAPIToken(name: "ops", role: .operator, now: nowMs()).tokenString
        let lines = NIOLockedValueBox<[String]>([])
        var configuration = APIServerConfiguration(tls: TestPKI.shared.serverConfiguration())
        configuration.log = { line in lines.withLockedValue { $0.append(line) } }
        let control = RecordingRolloutControl()
        control.failure.withLockedValue { $0 = .internal("SQLite error 11: database disk image is malformed at /var/lib/drover/state.db") }
        let router = DroverRouter(
            configuration: configuration, store: store, inventory: SharedFleetInventory(),
            fleetControl: UnreachableFleetControl(), rolloutControl: control)
        let request = APIRequest(
            method: "POST", target: "/v1/rollouts/r-1/pause", headers: ["authorization": "Bearer \(op)"])
        let answer = await router.respond(to: request)
        #expect(answer.status == 500)
        let body = try errorBody(answer.body)
        #expect(body == APIErrorBody(error: "internal", message: "internal error", requestID: request.requestID))
        let text = String(decoding: answer.body, as: UTF8.self)
        #expect(!text.contains("SQLite") && !text.contains("/var/lib"))
        #expect(text.contains("\"request_id\":\"\(request.requestID)\""))
        let logged = lines.withLockedValue { $0 }
        #expect(logged.count == 1)
        #expect(logged.first?.contains(request.requestID) == true)
        #expect(logged.first?.contains("database disk image is malformed at /var/lib/drover/state.db") == true)
    }

    @Test("over the wire: an unreadable agent binary answers 500 with a request id and without its path")
    func unreadableFileOverTLS() async throws {
        let lines = NIOLockedValueBox<[String]>([])
        let secretPath = FileManager.default.temporaryDirectory.path + "/drover-secret-dir-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: secretPath, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: secretPath) }
        try await withAPIServer(configure: {
            // A directory is not a file the server can stream.
            $0.agentBinaryPath = secretPath
            $0.log = { line in lines.withLockedValue { $0.append(line) } }
        }) { api in
            let (status, body) = try await api.client(token: nil).raw(.GET, "/download/drover-agent")
            #expect(status == 500)
            let decoded = try errorBody(body)
            #expect(decoded.error == "internal" && decoded.message == "internal error")
            let id = try #require(decoded.requestID)
            #expect(id.hasPrefix("req-") && id.count == 20)
            #expect(!String(decoding: body, as: UTF8.self).contains(secretPath))
            #expect(lines.withLockedValue { $0 }.contains { $0.contains(id) && $0.contains(secretPath) })
        }
    }

    @Test("ordinary errors keep their message and carry no request id")
    func ordinaryErrors() async throws {
        let store = try SQLiteStateStore.inMemory()
        let router = DroverRouter(
            configuration: APIServerConfiguration(tls: TestPKI.shared.serverConfiguration()), store: store,
            inventory: SharedFleetInventory(), fleetControl: UnreachableFleetControl())
        let answer = await router.respond(to: APIRequest(method: "GET", target: "/v1/hosts"))
        #expect(try errorBody(answer.body) == APIErrorBody(error: "unauthorized", message: "missing bearer token"))
    }
}
