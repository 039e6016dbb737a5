import ArgumentParser

/// How a command prints its result: a table for people, JSON for scripts.
public enum OutputFormat: String, ExpressibleByArgument, CaseIterable, Sendable {
    case text
    case json
}
