import DroverStore

/// The outcome of a token check: the caller's record, or the response to send instead.
enum AuthResult {
    case success(APITokenRecord)
    case failure(APIResponse)
}

/// A role check: allowed, refused with the caller known (403), or no valid token (401/500).
enum AuthCheck {
    case allowed(APITokenRecord)
    case forbidden(APITokenRecord, APIResponse)
    case unauthenticated(APIResponse)
}

/// Bearer-token checks against the store, and role ranking.
struct APIAuthorization: Sendable {
    let store: any StateStore
    let clock: @Sendable () -> Int64

    /// The caller's token record, or the 401/500 response to send instead.
    func authenticate(_ request: APIRequest) -> AuthResult {
        let challenge = [APIHeader("WWW-Authenticate", "Bearer realm=\"drover\"")]
        guard let header = request.headers["authorization"] else {
            return .failure(
                APIResponse.error(
                    status: 401, code: "unauthorized", message: "missing bearer token", headers: challenge))
        }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else {
            return .failure(
                APIResponse.error(
                    status: 401, code: "unauthorized", message: "authorization must be 'Bearer <token>'",
                    headers: challenge))
        }
        do throws(StoreError) {
            return .success(try store.authenticateAPIToken(String(parts[1]), now: clock()))
        } catch {
            switch error {
            case .malformedToken, .unknownAPIToken:
                return .failure(
                    APIResponse.error(
                        status: 401, code: "unauthorized", message: "invalid API token", headers: challenge))
            case .apiTokenRevoked:
                return .failure(
                    APIResponse.error(
                        status: 401, code: "unauthorized", message: "API token revoked", headers: challenge))
            case .apiTokenExpired:
                return .failure(
                    APIResponse.error(
                        status: 401, code: "unauthorized", message: "API token expired", headers: challenge))
            default:
                return .failure(
                    APIResponse.error(status: 500, code: "internal", message: "token check failed: \(error)"))
            }
        }
    }

    /// The record when it has at least `role`, or the 401/403 response.
    func require(_ role: APIRole, for request: APIRequest) -> AuthResult {
        switch check(role, for: request) {
        case .allowed(let record): return .success(record)
        case .forbidden(_, let response), .unauthenticated(let response): return .failure(response)
        }
    }

    /// Like ``require(_:for:)``, but a caller whose role is too low is still named: the audit
    /// log records who was refused.
    func check(_ role: APIRole, for request: APIRequest) -> AuthCheck {
        switch authenticate(request) {
        case .failure(let response):
            return .unauthenticated(response)
        case .success(let record):
            guard Self.rank(record.role) >= Self.rank(role) else {
                return .forbidden(
                    record,
                    APIResponse.error(
                        status: 403, code: "forbidden",
                        message: "role \(record.role.rawValue) may not do this (needs \(role.rawValue))"))
            }
            return .allowed(record)
        }
    }

    static func rank(_ role: APIRole) -> Int {
        switch role {
        case .viewer: return 0
        case .operator: return 1
        case .admin: return 2
        }
    }
}
