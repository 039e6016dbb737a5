import ArgumentParser
import DroverAgent
import DroverSession
import DroverTLS
import DroverWire

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// `drover-agent`: the lean per-host agent.
@main
struct AgentCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "drover-agent",
        abstract: "The Drover host agent: reports host metrics and carries out container swaps.",
        discussion: """
            The agent connects to a Drover controller over mutual TLS (Drover protocol \
            \(DroverVersion.protocolVersion), ALPN \(DroverVersion.alpn)) using the system \
            OpenSSL (\(OpenSSLLibrary.versionString)). On first start it enrolls with a join \
            token and the controller's CA pin; later starts need neither. Every flag can also \
            come from the environment (DROVER_CONTROLLER, DROVER_TOKEN, DROVER_CA_PIN, \
            DROVER_STATE_DIR, DROVER_DOCKER_SOCKET, DROVER_PROXY_ADDRESS), so an env file works \
            with systemd. Services run through the Docker Engine API (--docker-socket; Docker or \
            Podman) or as supervised processes (--process-engine); each service's proxy listens \
            on its public port at --proxy-address. The swap journal in the state directory lets \
            a restarted agent converge on what its host should run. With --router haproxy the \
            agent drives a local HAProxy through its runtime API instead (--haproxy-socket, a \
            `stats socket … level admin`): HAProxy's frontend owns the public port, and the \
            agent adds, weighs, drains and deletes its own servers in the backend named after \
            the service (with --haproxy-backend-prefix in front); deploy/haproxy/drover.cfg is \
            a sample. Exit codes: 2 configuration, \
            3 refused by the controller (token, CA pin, revoked host), 4 state directory.
            """,
        version: "drover-agent \(DroverVersion.software) (protocol \(DroverVersion.protocolVersion))"
    )

    @Option(help: "Controller address, HOST:PORT (env DROVER_CONTROLLER).")
    var controller: String?

    @Option(help: "Join token for the first start (env DROVER_TOKEN). Never logged.")
    var token: String?

    @Option(name: .customLong("ca-pin"), help: "The controller's CA pin, sha256:… (env DROVER_CA_PIN).")
    var caPin: String?

    @Option(name: .customLong("state-dir"), help: "Key and certificates (env DROVER_STATE_DIR; default /var/lib/drover-agent).")
    var stateDirectory: String?

    @Option(help: "This host's name (default: the system host name).")
    var name: String?

    @Option(name: .customLong("label"), help: "Host label k=v, sent on enrollment (repeatable).")
    var labels: [String] = []

    @Option(name: .customLong("bind-address"), help: "Local IP address to connect from.")
    var bindAddress: String?

    @Option(name: .customLong("report-interval"), help: "Time between host reports: 5s, 500ms, 1m, or plain seconds.")
    var reportInterval: String = "5s"

    @Option(name: .customLong("server-name"), help: "Name or IP the controller certificate must carry (default: the controller host).")
    var serverName: String?

    @Option(
        name: .customLong("docker-socket"),
        help: "Docker Engine API socket for docker services, e.g. /run/docker.sock or /run/podman/podman.sock (env DROVER_DOCKER_SOCKET).")
    var dockerSocket: String?

    @Flag(name: .customLong("process-engine"), help: "Allow process services: commands run as supervised child processes.")
    var processEngine = false

    @Option(name: .customLong("proxy-address"), help: "Address the service proxies listen on (default 0.0.0.0; env DROVER_PROXY_ADDRESS).")
    var proxyAddress: String?

    @Option(
        help: ArgumentHelp(
            "Which proxy carries service traffic: embedded (Drover's own, the default) or haproxy (a local HAProxy driven through its runtime API; env DROVER_ROUTER).",
            valueName: "embedded|haproxy"))
    var router: String?

    @Option(
        name: .customLong("haproxy-socket"),
        help: "HAProxy's runtime API socket, declared `stats socket PATH mode 660 level admin` (with --router haproxy; default \(RouterChoice.defaultHAProxySocket); env DROVER_HAPROXY_SOCKET).")
    var haproxySocket: String?

    @Option(
        name: .customLong("haproxy-backend-prefix"),
        help: "With --router haproxy: a service's HAProxy backend is this prefix followed by the service name (default: no prefix, the backend is named like the service).")
    var haproxyBackendPrefix: String?

    @Option(
        name: .customLong("revert-after"),
        help: "Without the controller this long in the middle of a rollout, go back to the last confirmed version (default 10m; 0 = never).")
    var revertAfter: String = "10m"

    func run() async throws {
        let configuration: AgentConfiguration
        do {
            configuration = try makeConfiguration()
        } catch {
            Self.fail(error)
        }
        let service = AgentService(configuration: configuration)
        let signals = TerminationSignals { _ in service.shutdown() }
        defer { signals.cancel() }
        do {
            try await service.run()
        } catch let error as AgentError {
            signals.cancel()
            Self.fail(error)
        }
    }

    private func makeConfiguration() throws(AgentError) -> AgentConfiguration {
        guard let endpointText = controller ?? Self.environment("DROVER_CONTROLLER") else {
            throw .configuration("--controller HOST:PORT (or DROVER_CONTROLLER) is required")
        }
        guard let endpoint = AgentConfiguration.parseEndpoint(endpointText) else {
            throw .configuration("--controller must be HOST:PORT, got \(endpointText)")
        }
        guard let interval = AgentConfiguration.parseInterval(reportInterval), interval >= .milliseconds(100) else {
            throw .configuration("--report-interval must be a duration of at least 100ms (5s, 500ms, 1m), got \(reportInterval)")
        }
        guard let revert = AgentConfiguration.parseInterval(revertAfter) else {
            throw .configuration("--revert-after must be a duration (10m, 90s) or 0 for never, got \(revertAfter)")
        }
        var labelMap: [String: String] = [:]
        for pair in labels {
            guard let equals = pair.firstIndex(of: "="), equals != pair.startIndex else {
                throw .configuration("label \"\(pair)\" is not key=value")
            }
            labelMap[String(pair[..<equals])] = String(pair[pair.index(after: equals)...])
        }
        var configuration = AgentConfiguration(
            controllerHost: endpoint.host,
            controllerPort: endpoint.port,
            joinToken: token ?? Self.environment("DROVER_TOKEN"),
            caPin: caPin ?? Self.environment("DROVER_CA_PIN"),
            stateDirectory: stateDirectory ?? Self.environment("DROVER_STATE_DIR") ?? "/var/lib/drover-agent",
            name: name ?? Self.systemHostName(),
            labels: labelMap,
            bindAddress: bindAddress,
            reportInterval: interval,
            serverName: serverName)
        configuration.dockerSocket = dockerSocket ?? Self.environment("DROVER_DOCKER_SOCKET")
        configuration.processEngine = processEngine
        configuration.proxyAddress = proxyAddress ?? Self.environment("DROVER_PROXY_ADDRESS") ?? "0.0.0.0"
        configuration.revertAfter = revert == .zero ? nil : revert
        configuration.router = try routerChoice()
        configuration.releaseStartupPages = true
        return configuration
    }

    /// The router the flags (or the environment) choose; flags that only make sense for
    /// HAProxy are refused with the embedded proxy, and the other way round.
    private func routerChoice() throws(AgentError) -> RouterChoice {
        let name = router ?? Self.environment("DROVER_ROUTER") ?? "embedded"
        switch name {
        case "embedded":
            if haproxySocket != nil || haproxyBackendPrefix != nil {
                throw .configuration("--haproxy-socket and --haproxy-backend-prefix need --router haproxy")
            }
            return .embedded
        case "haproxy":
            if proxyAddress != nil {
                throw .configuration(
                    "--proxy-address is for the embedded proxy; with --router haproxy, HAProxy's frontend decides where the service listens"
                )
            }
            let socket = haproxySocket ?? Self.environment("DROVER_HAPROXY_SOCKET") ?? RouterChoice.defaultHAProxySocket
            guard socket.hasPrefix("/") else {
                throw .configuration("--haproxy-socket must be an absolute path, got \(socket)")
            }
            let prefix = haproxyBackendPrefix ?? ""
            if let problem = RouterChoice.problem(withBackendPrefix: prefix) {
                throw .configuration("--haproxy-backend-prefix: \(problem)")
            }
            return .haproxy(socketPath: socket, backendPrefix: prefix)
        default:
            throw .configuration("--router must be embedded or haproxy, got \(name)")
        }
    }

    private static func fail(_ error: AgentError) -> Never {
        var bytes = Array("drover-agent: error: \(error)\n".utf8)
        _ = bytes.withUnsafeMutableBytes { write(2, $0.baseAddress, $0.count) }
        Glibc.exit(error.exitCode)
    }

    private static func environment(_ name: String) -> String? {
        guard let value = getenv(name) else { return nil }
        let text = String(cString: value)
        return text.isEmpty ? nil : text
    }

    private static func systemHostName() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count) == 0 else { return "localhost" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
