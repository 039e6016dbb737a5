import ArgumentParser
import DroverAgent
import DroverController
import DroverSession
import DroverStore
import DroverWire
import Foundation
import NIOCore

/// `drover dev`: a controller and a local agent in one process, on loopback, with throwaway
/// state — the quickest way to see Drover work (like `nomad agent -dev`).
struct DevCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dev",
        abstract: "Run a controller and a local agent in one process with temporary state.",
        discussion: """
            Starts the controller (agents on --agent-port, HTTPS API on --api-port, both on \
            127.0.0.1), enrolls a local agent with a one-use join token and prints the commands to \
            use it: `drover hosts`, `drover deploy examples/web.yaml`, /metrics. The local agent \
            runs process services and, when a Docker or Podman socket is found, docker services; \
            its service proxies listen on 127.0.0.1. State lives in a temporary directory removed \
            on exit unless --data-dir is given. Ctrl-C stops everything, including the services \
            the local agent started (with --data-dir they keep running, as on a real host).
            """
    )

    @Option(help: "Port for agents (0 picks a free one).")
    var agentPort = WireProtocol.defaultAgentPort
    @Option(help: "Port for the HTTPS API (0 picks a free one).")
    var apiPort = 7401
    @Option(help: "Seconds between host reports of the local agent.")
    var reportInterval: Double = 5
    @Option(name: .customLong("data-dir"), help: "Keep state here instead of a temporary directory.")
    var dataDirectory: String?
    @Option(
        name: .customLong("docker-socket"),
        help: "Docker Engine API socket for docker services (default: the first of /run/podman/podman.sock, /var/run/docker.sock that exists).")
    var dockerSocket: String?

    func validate() throws {
        guard (0...65_535).contains(agentPort), (0...65_535).contains(apiPort) else {
            throw ValidationError("ports must be 0...65535")
        }
        guard reportInterval >= 0.1 else { throw ValidationError("--report-interval must be at least 0.1 s") }
    }

    func run() async throws {
        let temporary = dataDirectory == nil
        let root = try dataDirectory ?? Self.makeTemporaryDirectory()
        defer { if temporary { try? FileManager.default.removeItem(atPath: root) } }
        let controllerDirectory = root + "/controller"

        let daemon: ControllerDaemon
        do {
            daemon = try ControllerDaemon(
                configuration: ControllerConfiguration(
                    dataDirectory: controllerDirectory, listenHost: "127.0.0.1", listenPort: agentPort,
                    serverNames: ["localhost"]),
                api: .init(host: "127.0.0.1", port: apiPort))
        } catch {
            throw ValidationError("cannot start the controller: \(error)")
        }
        // An admin token for the operator: the bootstrap one, or a new one when --data-dir is reused.
        let adminToken: String
        if let bootstrap = daemon.bootstrapToken {
            adminToken = bootstrap.token
        } else {
            adminToken = try daemon.service.store.createAPIToken(
                name: "dev-\(UnixTime.nowMillis())", role: .admin, now: UnixTime.nowMillis()
            ).tokenString
        }
        let joinToken = try daemon.service.store.createJoinToken(
            ttl: .seconds(600), uses: 1, labels: ["env": "dev"], now: UnixTime.nowMillis()
        ).tokenString
        let caPin = daemon.service.caPin
        let interval = reportInterval
        let socket = dockerSocket ?? ["/run/podman/podman.sock", "/var/run/docker.sock"].first {
            FileManager.default.fileExists(atPath: $0)
        }

        let (ready, readyContinuation) = AsyncStream.makeStream(of: Int.self)  // bound agent port
        let signals = TerminationSignals { _ in
            StandardOutput.line("stopping…")
            daemon.shutdown()
        }
        defer { signals.cancel() }
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                defer { readyContinuation.finish() }
                try await daemon.run { agentAddress, boundAPIPort in
                    Self.printBanner(
                        root: root, temporary: temporary, caPin: caPin, agentPort: agentAddress.port ?? 0,
                        apiPort: boundAPIPort, adminToken: adminToken, controllerDirectory: controllerDirectory)
                    readyContinuation.yield(agentAddress.port ?? 0)
                }
            }
            group.addTask {
                var iterator = ready.makeAsyncIterator()
                guard let port = await iterator.next() else { return }
                var configuration = AgentConfiguration(
                    controllerHost: "127.0.0.1", controllerPort: port, joinToken: joinToken, caPin: caPin,
                    stateDirectory: root + "/agent", name: Self.hostName(),
                    // role=web: the examples/ specs select their hosts by it.
                    labels: ["env": "dev", "role": "web"],
                    reportInterval: .milliseconds(Int64(interval * 1_000)))
                configuration.dockerSocket = socket
                configuration.processEngine = true
                configuration.proxyAddress = "127.0.0.1"
                configuration.removeServicesOnStop = temporary
                let agent = AgentService(configuration: configuration)
                try await withTaskCancellationHandler {
                    try await agent.run()
                } onCancel: {
                    agent.shutdown()
                }
            }
            // The daemon returns on Ctrl-C / SIGTERM; then stop the agent too.
            try await group.next()
            group.cancelAll()
            while (try? await group.next()) != nil {}
        }
        if temporary { StandardOutput.line("removed \(root)") }
    }

    private static func printBanner(
        root: String, temporary: Bool, caPin: String, agentPort: Int, apiPort: Int, adminToken: String,
        controllerDirectory: String
    ) {
        StandardOutput.line(
            """
            Drover dev mode: a controller and one local agent in this process.
              state     \(root)\(temporary ? " (removed on exit)" : "")
              agents    127.0.0.1:\(agentPort)   (CA pin \(caPin))
              API       https://127.0.0.1:\(apiPort)

            In another shell:
              export DROVER_ADDR=https://127.0.0.1:\(apiPort)
              export DROVER_TOKEN=\(adminToken)
              export DROVER_CA_CERT=\(controllerDirectory)/ca.crt
              swift run drover hosts                 # the local host with live CPU, memory and disk
              swift run drover hosts show \(hostName())
              swift run drover deploy examples/web-process.yaml   # a service on the local agent, then:
              swift run drover services; swift run drover rollouts; swift run drover history web-process
              swift run drover deploy examples/web-process-canary.yaml --detach   # v2 as a canary at 10 %
              swift run drover canary web-process --percent 50                     # any share, by hand
              swift run drover rollout status <ROLLOUT>                            # weights, measured share, verdicts
              swift run drover canary web-process promote                          # v2 everywhere
              swift run drover deploy examples/web-process-canary-bad.yaml --detach   # a bad canary (v4), then
              for i in $(seq 200); do curl -s -o /dev/null localhost:9000/cgi-bin/hello; done   # analysis rolls it back
              curl -s --cacert "$DROVER_CA_CERT" -H "Authorization: Bearer $DROVER_TOKEN" "$DROVER_ADDR/metrics"

            Join another agent (e.g. bound to 127.0.0.2):
              swift run drover token create --uses 1
              swift run drover-agent --controller 127.0.0.1:\(agentPort) --token <TOKEN> --ca-pin \(caPin) \\
                  --state-dir /tmp/drover-agent-2 --bind-address 127.0.0.2 --name second

            Ctrl-C stops the controller and the agent.
            """)
    }

    private static func makeTemporaryDirectory() throws -> String {
        var template = Array((FileManager.default.temporaryDirectory.path + "/drover-dev-XXXXXX").utf8CString)
        guard template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) != nil else {
            throw ValidationError("cannot create a temporary directory (errno \(errno))")
        }
        return String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    static func hostName() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count) == 0 else { return "localhost" }
        let name = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return name.isEmpty ? "localhost" : name
    }
}
