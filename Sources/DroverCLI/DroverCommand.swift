import ArgumentParser
import DroverWire

/// The `drover` command: controller daemon, development mode and operator CLI.
public struct DroverCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "drover",
        abstract: "Deploy containers across a fleet of Linux servers, safely and fast.",
        discussion: """
            Drover runs a controller that coordinates rolling and canary rollouts, and a \
            lightweight agent (drover-agent) on every host. Controller and agents speak \
            the Drover wire protocol (Protocol/README.md) over mutual TLS on the system \
            OpenSSL.

            Operator commands (hosts, token, api-token, audit, deploy, rollouts, rollout, rollback, services, \
            history) talk to the controller's HTTPS API: --addr / \
            DROVER_ADDR, --token / DROVER_TOKEN, --ca-cert / DROVER_CA_CERT or --ca-pin / \
            DROVER_CA_PIN. \(CLIExitCodes.help)
            """,
        version: "drover \(DroverVersion.software) (protocol \(DroverVersion.protocolVersion))",
        subcommands: [
            ControllerCommand.self, DevCommand.self, HostsCommand.self, TokenCommand.self, PlanCommand.self,
            DeployCommand.self, RolloutsCommand.self, RolloutCommand.self, RollbackCommand.self, CanaryCommand.self,
            ServicesCommand.self,
            HistoryCommand.self, APITokenCommand.self, AuditCommand.self, VersionCommand.self,
        ]
    )

    public init() {}
}
