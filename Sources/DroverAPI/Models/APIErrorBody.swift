/// The body of every error response: a stable machine code and a human message.
public struct APIErrorBody: Codable, Sendable, Equatable {
    /// Stable code, e.g. `unauthorized`, `forbidden`, `not_found`, `bad_request`.
    public var error: String
    /// One human line.
    public var message: String

    /// Creates a body.
    public init(error: String, message: String) {
        self.error = error
        self.message = message
    }
}
