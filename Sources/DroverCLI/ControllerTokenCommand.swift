import ArgumentParser
import DroverSession
import DroverStore

/// `drover controller token create`: join tokens straight from the local store (no API).
struct ControllerTokenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token",
        abstract: "Manage join tokens in the local store.",
        subcommands: [Create.self]
    )

    /// `drover controller token create --ttl 24h --uses 1 --label k=v`.
    struct Create: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "create",
            abstract: "Create a join token and print it (shown once)."
        )

        @OptionGroup var data: DataDirectoryOptions

        @Option(help: "How long the token can be used, e.g. 30m, 24h, 7d.")
        var ttl: DurationArgument = DurationArgument(argument: "24h")!

        @Option(help: "How many hosts may join with it (0 = unlimited).")
        var uses: Int = 1

        @Option(name: .customLong("label"), help: "Label given to hosts joining with this token, k=v (repeatable).")
        var labels: [String] = []

        func run() throws {
            guard uses >= 0 else { throw ValidationError("--uses must be 0 (unlimited) or more") }
            let labelMap = try LabelParser.parse(labels)
            do {
                try PrivateFile.makeDirectory(data.dataDirectory)
                let store = try SQLiteStateStore(path: data.dataDirectory + "/state.db")
                let issued = try store.createJoinToken(
                    ttl: ttl.duration, uses: uses == 0 ? nil : uses, labels: labelMap, now: UnixTime.nowMillis())
                try store.close()
                StandardOutput.line(issued.tokenString)
            } catch {
                throw ValidationError("cannot create the token: \(error)")
            }
        }
    }
}

/// Parses repeated `k=v` labels.
enum LabelParser {
    static func parse(_ pairs: [String]) throws -> [String: String] {
        var labels: [String: String] = [:]
        for pair in pairs {
            guard let equals = pair.firstIndex(of: "="), equals != pair.startIndex else {
                throw ValidationError("label \"\(pair)\" is not key=value")
            }
            labels[String(pair[..<equals])] = String(pair[pair.index(after: equals)...])
        }
        return labels
    }
}
