import ArgumentParser
import DroverAPI
import Foundation

/// The exit codes of every API command, shown in `--help`.
enum CLIExitCodes {
    static let help = """
        Exit codes: 0 ok, 1 usage error or request rejected, 2 authentication or permission \
        failure (401/403), 3 not found, 4 server or connection error.
        """

    /// Runs `body`; an ``APIClientError`` is printed to stderr and becomes its exit code.
    static func run(_ body: () async throws(APIClientError) -> Void) async throws {
        do {
            try await body()
        } catch {
            printError("drover: \(error)")
            throw ExitCode(error.exitCode)
        }
    }

    static func printError(_ text: String) {
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }
}

extension DroverCommand {
    /// Parses the command line and runs the command, mapping ArgumentParser's usage failures
    /// (exit 64) to exit code 1 as `--help` documents.
    public static func mainWithDroverExitCodes(_ arguments: [String]? = nil) async {
        do {
            var command = try parseAsRoot(arguments)
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            let code = exitCode(for: error)
            if code == .validationFailure {
                CLIExitCodes.printError(fullMessage(for: error))
                Foundation.exit(1)
            }
            exit(withError: error)
        }
    }
}
