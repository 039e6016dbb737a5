import ArgumentParser

/// `drover api-token`: create, list and revoke operator API tokens (admin role).
struct APITokenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "api-token",
        abstract: "Manage API tokens for operators, CI and Prometheus (admin role).",
        discussion: """
            Roles: viewer reads hosts, rollouts, services and /metrics; operator also drains, \
            deploys, rolls back and sets canaries; admin also removes hosts and manages join \
            tokens, API tokens and the audit log. Without an admin token, use \
            `drover controller api-token` on the controller's data directory. \(CLIExitCodes.help)
            """,
        subcommands: [APITokenCreateCommand.self, APITokenListCommand.self, APITokenRevokeCommand.self]
    )
}
