import Foundation

/// Why an API call failed, grouped the way the CLI's exit codes are.
public enum APIClientError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The caller's input is wrong (bad address, missing token or CA); exit code 1.
    case usage(String)
    /// The server said 401 or 403; exit code 2.
    case auth(status: Int, message: String)
    /// The server said 404; exit code 3.
    case notFound(String)
    /// The server rejected the request (other 4xx); exit code 1.
    case rejected(status: Int, message: String)
    /// Connection, TLS, timeout or 5xx; exit code 4.
    case server(String)

    /// One human line.
    public var description: String {
        switch self {
        case .usage(let message): return message
        case .auth(let status, let message): return "\(status == 403 ? "forbidden" : "unauthorized"): \(message)"
        case .notFound(let message): return "not found: \(message)"
        case .rejected(let status, let message): return "rejected (\(status)): \(message)"
        case .server(let message): return message
        }
    }

    /// The CLI exit code for this failure.
    public var exitCode: Int32 {
        switch self {
        case .usage, .rejected: return 1
        case .auth: return 2
        case .notFound: return 3
        case .server: return 4
        }
    }

    /// Maps a non-2xx response to an error, using the JSON error body when there is one.
    static func from(status: Int, body: [UInt8]) -> APIClientError {
        let message: String
        if let decoded = try? APIJSON.decoder().decode(APIErrorBody.self, from: .init(body)) {
            message = decoded.message
        } else {
            message = "HTTP \(status)"
        }
        switch status {
        case 401, 403: return .auth(status: status, message: message)
        case 404: return .notFound(message)
        case 400..<500: return .rejected(status: status, message: message)
        default: return .server("server error (\(status)): \(message)")
        }
    }
}
