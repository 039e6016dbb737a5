/// The 16-bit message type in a frame header, naming the payload's protobuf message.
///
/// Unknown values are legal on the wire (newer peers may send them); receivers answer
/// them with `ERROR UNKNOWN_MESSAGE_TYPE` and keep the connection.
public struct MessageType: RawRepresentable, Hashable, Sendable, Comparable {
    /// The value as it appears in the header.
    public var rawValue: UInt16

    /// Wraps a raw header value.
    public init(rawValue: UInt16) {
        self.rawValue = rawValue
    }

    /// Wraps a raw header value.
    public init(_ rawValue: UInt16) {
        self.rawValue = rawValue
    }

    public static func < (lhs: MessageType, rhs: MessageType) -> Bool {
        lhs.rawValue < rhs.rawValue
    }

    /// `Hello`: the client's first frame (request id 1).
    public static let hello = MessageType(0x0001)
    /// `Welcome`: the server's response to `Hello`.
    public static let welcome = MessageType(0x0002)
    /// `Error`: a failed request's response, or a notice before a fatal close.
    public static let error = MessageType(0x0003)
    /// `Heartbeat`: agent request and controller response every heartbeat interval.
    public static let heartbeat = MessageType(0x0004)
    /// `Goodbye`: one-way start of a graceful close.
    public static let goodbye = MessageType(0x0005)
    /// `EnrollRequest`: join token and CSR on an enrollment connection.
    public static let enrollRequest = MessageType(0x0010)
    /// `EnrollResponse`: the signed certificate.
    public static let enrollResponse = MessageType(0x0011)
    /// `HostReport`: one-way host metrics.
    public static let hostReport = MessageType(0x0020)
    /// `Command`: controller request to the agent.
    public static let command = MessageType(0x0030)
    /// `CommandAck`: the agent's immediate response to `Command`.
    public static let commandAck = MessageType(0x0031)
    /// `CommandProgress`: one-way progress of a running command.
    public static let commandProgress = MessageType(0x0032)
    /// `CommandResult`: one-way final outcome of a command.
    public static let commandResult = MessageType(0x0033)

    /// Every message type protocol version 1 defines, in numeric order.
    public static let allKnown: [MessageType] = [
        .hello, .welcome, .error, .heartbeat, .goodbye, .enrollRequest, .enrollResponse,
        .hostReport, .command, .commandAck, .commandProgress, .commandResult,
    ]

    /// The spec's name for a known type (`"HELLO"`), or `nil` for an unknown one.
    public var name: String? {
        switch self {
        case .hello: "HELLO"
        case .welcome: "WELCOME"
        case .error: "ERROR"
        case .heartbeat: "HEARTBEAT"
        case .goodbye: "GOODBYE"
        case .enrollRequest: "ENROLL_REQUEST"
        case .enrollResponse: "ENROLL_RESPONSE"
        case .hostReport: "HOST_REPORT"
        case .command: "COMMAND"
        case .commandAck: "COMMAND_ACK"
        case .commandProgress: "COMMAND_PROGRESS"
        case .commandResult: "COMMAND_RESULT"
        default: nil
        }
    }

    /// Whether this version of the protocol defines the type.
    public var isKnown: Bool { name != nil }

    /// Whether the type lies in 0x8000–0xFFFF, the range reserved for experiments and extensions.
    public var isExtension: Bool { rawValue >= 0x8000 }
}

extension MessageType: ExpressibleByIntegerLiteral {
    public init(integerLiteral value: UInt16) {
        self.rawValue = value
    }
}

extension MessageType: CustomStringConvertible {
    /// `HELLO(0x0001)` for known types, `0x7F00` for unknown ones.
    public var description: String {
        let digits = String(rawValue, radix: 16, uppercase: true)
        let hex = "0x" + String(repeating: "0", count: 4 - digits.count) + digits
        if let name { return "\(name)(\(hex))" }
        return hex
    }
}
