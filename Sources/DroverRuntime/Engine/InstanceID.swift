/// An engine's id for one instance (a container id, or the process engine's instance name).
public struct InstanceID: Hashable, Sendable, Codable, CustomStringConvertible {
    /// The id as the engine spells it.
    public let rawValue: String

    /// Wraps an engine's id.
    public init(_ rawValue: String) {
        self.rawValue = rawValue
    }

    public init(from decoder: any Decoder) throws {
        rawValue = try decoder.singleValueContainer().decode(String.self)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }

    public var description: String { rawValue }
}
