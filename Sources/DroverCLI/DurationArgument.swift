import ArgumentParser

/// A duration flag such as `500ms`, `90s`, `30m`, `24h` or `7d`.
struct DurationArgument: ExpressibleByArgument, Sendable {
    /// The parsed value.
    let duration: Duration

    init?(argument: String) {
        if argument.hasSuffix("ms") {
            guard let value = Int64(argument.dropLast(2)), value > 0 else { return nil }
            duration = .milliseconds(value)
            return
        }
        guard let unit = argument.last, let value = Int64(argument.dropLast()), value > 0 else { return nil }
        switch unit {
        case "s": duration = .seconds(value)
        case "m": duration = .seconds(value * 60)
        case "h": duration = .seconds(value * 3600)
        case "d": duration = .seconds(value * 86_400)
        default: return nil
        }
    }

    /// A default value.
    init(milliseconds: Int64) {
        duration = .milliseconds(milliseconds)
    }

    var defaultValueDescription: String { "\(duration)" }
}
