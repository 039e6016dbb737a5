/// The body of every error response: a stable machine code and a human message.
public struct APIErrorBody: Codable, Sendable, Equatable {
    /// Stable code, e.g. `unauthorized`, `forbidden`, `not_found`, `bad_request`.
    public var error: String
    /// One human line.
    public var message: String
    /// The request's id (`X-Request-Id`) on internal errors, whose detail is only in the
    /// controller's log under that id.
    public var requestID: String?

    enum CodingKeys: String, CodingKey {
        case error, message
        case requestID = "request_id"
    }

    /// Creates a body.
    public init(error: String, message: String, requestID: String? = nil) {
        self.error = error
        self.message = message
        self.requestID = requestID
    }
}
