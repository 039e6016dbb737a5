import DroverAPI
import DroverTLS
import DroverTestSupport
import Testing

/// A router that takes its time: the server's own wait must not count as the client's idleness.
struct SlowRouter: Router {
    let delay: Duration

    func respond(to request: APIRequest) async -> APIResponse {
        try? await Task.sleep(for: delay)
        return .json(["status": "ok"])
    }
}

@Suite("idle timeout against slow answers")
struct SlowAnswerIdleTests {
    @Test("an answer slower than the idle timeout still reaches the client")
    func slowAnswerIsNotIdle() async throws {
        var configuration = APIServerConfiguration(
            host: "127.0.0.1", port: 0, tls: TestPKI.shared.serverConfiguration(peerVerification: .none))
        configuration.idleTimeoutSeconds = 1
        let server = try APIServer(configuration: configuration, router: SlowRouter(delay: .milliseconds(2_500)))
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await server.run() }
            defer { group.cancelAll() }
            let port = try await server.localPort()
            let client = try APIClient(
                endpoint: APIEndpoint(parsing: "https://127.0.0.1:\(port)"), token: nil,
                trust: .caCertificates([TestPKI.shared.ca.certificate]))
            // Nothing is read or written for 2.5 idle timeouts while the router works.
            let (status, _) = try await client.raw(.GET, "/anything")
            #expect(status == 200)
        }
    }
}
