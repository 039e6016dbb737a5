import ArgumentParser
import DroverAPI
import DroverTLS
import Foundation

/// `--addr`, `--token`, `--ca-cert`, `--ca-pin`: how a command reaches the controller's API.
///
/// Each falls back to an environment variable (`DROVER_ADDR`, `DROVER_TOKEN`,
/// `DROVER_CA_CERT`, `DROVER_CA_PIN`).
struct ConnectionOptions: ParsableArguments {
    @Option(help: "Controller API address (env DROVER_ADDR, default https://127.0.0.1:7401).")
    var addr: String?

    @Option(help: "API token, drv_api_… (env DROVER_TOKEN).")
    var token: String?

    @Option(
        name: .customLong("ca-cert"), help: "PEM file of the fleet CA to verify the controller (env DROVER_CA_CERT).")
    var caCert: String?

    @Option(name: .customLong("ca-pin"), help: "Fleet CA pin sha256:… instead of --ca-cert (env DROVER_CA_PIN).")
    var caPin: String?

    /// The default API address.
    static let defaultAddress = "https://127.0.0.1:7401"

    /// Builds a client from the options and the environment.
    func makeClient(
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(APIClientError) -> APIClient {
        let endpoint = try APIEndpoint(parsing: addr ?? environment["DROVER_ADDR"] ?? Self.defaultAddress)
        guard let token = token ?? environment["DROVER_TOKEN"], !token.isEmpty else {
            throw .auth(status: 401, message: "no API token: pass --token or set DROVER_TOKEN")
        }
        let trust: APIClient.Trust
        if let path = caCert ?? environment["DROVER_CA_CERT"] {
            guard let pem = try? String(contentsOfFile: path, encoding: .utf8) else {
                throw .usage("cannot read CA certificate file \(path)")
            }
            do {
                trust = .caCertificates(try Certificate.loadBundle(pem: pem))
            } catch {
                throw .usage("\(path) holds no usable PEM certificate: \(error)")
            }
        } else if let pinText = caPin ?? environment["DROVER_CA_PIN"] {
            do {
                trust = .caPin(try CAPin(parsing: pinText))
            } catch {
                throw .usage("bad CA pin: \(error)")
            }
        } else {
            throw .usage(
                "no way to verify the controller: pass --ca-cert FILE or --ca-pin sha256:… (or DROVER_CA_CERT / DROVER_CA_PIN)"
            )
        }
        return try APIClient(endpoint: endpoint, token: token, trust: trust)
    }
}
