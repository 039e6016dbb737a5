import ArgumentParser

/// `drover controller`: the controller daemon and its local admin commands.
struct ControllerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "controller",
        abstract: "Run the Drover controller, or administer its local state.",
        subcommands: [
            ControllerRunCommand.self, ControllerTokenCommand.self, ControllerAPITokenCommand.self,
            ControllerHostsCommand.self,
        ],
        defaultSubcommand: ControllerRunCommand.self
    )
}

/// Options shared by every `drover controller` command.
struct DataDirectoryOptions: ParsableArguments {
    @Option(name: .customLong("data-dir"), help: "Controller state: fleet CA, certificates, state.db.")
    var dataDirectory: String = "/var/lib/drover"
}
