import ArgumentParser

/// `drover token`: create, list and revoke join tokens (admin role).
struct TokenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token",
        abstract: "Manage join tokens that let new hosts enroll (admin role).",
        discussion: CLIExitCodes.help,
        subcommands: [TokenCreateCommand.self, TokenListCommand.self, TokenRevokeCommand.self]
    )
}
