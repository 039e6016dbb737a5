import ArgumentParser

/// `drover hosts`: list, show, drain, undrain and remove fleet hosts.
struct HostsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hosts",
        abstract: "List and manage the hosts of the fleet.",
        discussion: CLIExitCodes.help,
        subcommands: [
            HostsListCommand.self, HostsShowCommand.self, HostsDrainCommand.self, HostsUndrainCommand.self,
            HostsRemoveCommand.self,
        ],
        defaultSubcommand: HostsListCommand.self
    )
}
