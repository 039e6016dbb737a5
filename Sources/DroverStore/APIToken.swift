/// A parsed API token, `drv_api_<id>_<secret>`, as sent in `Authorization: Bearer`.
///
/// Its `description` shows only the id.
public struct APIToken: Sendable, Equatable, CustomStringConvertible {
    /// The token string prefix.
    public static let prefix = "drv_api_"

    /// The public id.
    public let id: String
    /// The secret part; only its hash is ever stored.
    public let secret: String

    /// Parses `drv_api_<id>_<secret>`, ignoring surrounding whitespace.
    ///
    /// - Throws: ``StoreError/malformedToken(reason:)`` when the shape is wrong.
    public init(parsing text: String) throws(StoreError) {
        let parts = try TokenText.parse(text, prefix: Self.prefix, kind: "API token")
        self.id = parts.id
        self.secret = parts.secret
    }

    /// Creates a token with fresh random id and secret.
    init(using generator: inout some RandomNumberGenerator) {
        id = TokenText.random(count: TokenText.idLength, from: TokenText.idAlphabet, using: &generator)
        secret = TokenText.random(count: TokenText.secretLength, from: TokenText.secretAlphabet, using: &generator)
    }

    /// The full token string.
    public var tokenString: String {
        "\(Self.prefix)\(id)_\(secret)"
    }

    /// The id with the secret redacted.
    public var description: String {
        "\(Self.prefix)\(id)_<redacted>"
    }
}

/// A newly created API token: the plaintext (shown once) and the stored record.
public struct IssuedAPIToken: Sendable, CustomStringConvertible, CustomReflectable {
    /// The parsed token; `token.tokenString` is the text to give the operator.
    public let token: APIToken
    /// What the store keeps.
    public let record: APITokenRecord

    /// The full token string, `drv_api_<id>_<secret>`.
    public var tokenString: String { token.tokenString }

    /// The record, with the secret redacted.
    public var description: String {
        "IssuedAPIToken(\(token), name: \(record.name), role: \(record.role.rawValue))"
    }

    /// Reflection shows no secret either.
    public var customMirror: Mirror {
        Mirror(self, children: ["token": token.description, "record": record])
    }
}
