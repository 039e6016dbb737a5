import Foundation

/// One HTTP response from a router: status, content type, extra headers and body bytes.
public struct APIResponse: Sendable, Equatable {
    /// HTTP status code.
    public var status: Int
    /// The `Content-Type` header.
    public var contentType: String
    /// Extra headers (name, value).
    public var headers: [APIHeader]
    /// The body.
    public var body: [UInt8]
    /// A body streamed from a file instead of ``body`` (which is then empty).
    public var file: APIFileBody?

    /// Creates a response.
    public init(status: Int, contentType: String, headers: [APIHeader] = [], body: [UInt8]) {
        self.status = status
        self.contentType = contentType
        self.headers = headers
        self.body = body
    }

    /// A JSON response with `value` encoded by ``APIJSON/encoder``.
    public static func json(_ value: some Encodable, status: Int = 200) -> APIResponse {
        do {
            let data = try APIJSON.encoder().encode(value)
            return APIResponse(status: status, contentType: "application/json", body: Array(data) + [0x0A])
        } catch {
            return .error(status: 500, code: "internal", message: "could not encode the response")
        }
    }

    /// A JSON error, `{"error": code, "message": message}`.
    public static func error(status: Int, code: String, message: String, headers: [APIHeader] = []) -> APIResponse {
        var response = json(APIErrorBody(error: code, message: message), status: status)
        response.headers = headers
        return response
    }
}

/// One response header.
public struct APIHeader: Sendable, Equatable {
    /// Header name.
    public var name: String
    /// Header value.
    public var value: String

    /// Creates a header.
    public init(_ name: String, _ value: String) {
        self.name = name
        self.value = value
    }
}

/// The JSON coders every endpoint and the client share: sorted keys, no key conversion.
///
/// Keys are spelled out in each model's `CodingKeys` (snake_case) because key strategies would
/// also rewrite label names inside dictionaries.
public enum APIJSON {
    /// A fresh encoder.
    public static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }

    /// A fresh decoder.
    public static func decoder() -> JSONDecoder {
        JSONDecoder()
    }
}
