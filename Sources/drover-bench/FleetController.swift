import DroverAPI
import DroverTLS
import Foundation

/// The `drover controller` process a fleet benchmark runs against.
struct FleetController {
    /// The name the controller's certificate carries for the agents.
    static let serverName = "controller.drover.test"

    let process: BenchProcess
    let port: Int
    let apiPort: Int
    let pin: String
    let dataDirectory: String

    /// Starts the controller on `port` (0 = any) and waits until both listeners are up.
    static func start(
        drover: String, dataDirectory: String, port: Int, interval: Int, extraArguments: [String] = []
    ) async throws -> FleetController {
        let process = try BenchProcess(
            name: "controller", executable: drover,
            arguments: [
                "controller", "--data-dir", dataDirectory, "--listen", "127.0.0.1:\(port)",
                "--api-listen", "127.0.0.1:0", "--server-name", serverName,
                "--heartbeat-interval", "\(interval)s",
            ] + extraArguments)
        try await process.waitForOutput(timeout: .seconds(60)) { text in
            text.split(separator: "\n").contains { $0.hasPrefix("listening on ") }
        }
        let lines = process.text.split(separator: "\n")
        guard let pin = lines.first(where: { $0.hasPrefix("CA pin: ") })?.dropFirst("CA pin: ".count),
            let agentPort = lines.first(where: { $0.hasPrefix("listening on ") })?.split(separator: ":").last.flatMap({
                Int($0)
            }),
            let apiPort = lines.first(where: { $0.hasPrefix("API listening on ") })?.split(separator: ":").last.flatMap(
                { Int($0) })
        else {
            process.stop()
            throw BenchError.processFailed(name: "controller", output: process.text)
        }
        return FleetController(
            process: process, port: agentPort, apiPort: apiPort, pin: String(pin), dataDirectory: dataDirectory)
    }

    /// An API client with the bootstrap admin token, trusting the fleet CA.
    func apiClient() throws -> APIClient {
        let token = try String(contentsOfFile: dataDirectory + "/admin.token", encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let ca = try Certificate(pem: String(contentsOfFile: dataDirectory + "/ca.crt", encoding: .utf8))
        var client = try APIClient(
            endpoint: try APIEndpoint(parsing: "https://127.0.0.1:\(apiPort)"), token: token,
            trust: .caCertificates([ca]))
        client.timeout = .seconds(60)
        return client
    }
}
