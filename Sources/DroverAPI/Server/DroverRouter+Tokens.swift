import DroverStore
import Foundation

extension DroverRouter {
    /// Join tokens live 24 hours unless asked otherwise; at most a year.
    static let defaultTokenTTLSeconds: Int64 = 86_400
    static let maxTokenTTLSeconds: Int64 = 366 * 86_400

    func createToken(_ request: APIRequest) async -> APIResponse {
        await audited(
            request, action: "join_token.create", target: nil, role: .admin,
            resolveTarget: { Self.answerField($0, ["info", "id"]) }
        ) { _ in createTokenAuthorized(request) }
    }

    private func createTokenAuthorized(_ request: APIRequest) -> APIResponse {
        let body: CreateJoinTokenRequest
        if request.body.isEmpty {
            body = CreateJoinTokenRequest()
        } else {
            do {
                body = try APIJSON.decoder().decode(CreateJoinTokenRequest.self, from: .init(request.body))
            } catch {
                return .error(
                    status: 400, code: "bad_json",
                    message: "request body is not a valid token request: \(Self.describe(error))")
            }
        }
        let ttl = body.ttlSeconds ?? Self.defaultTokenTTLSeconds
        guard ttl > 0, ttl <= Self.maxTokenTTLSeconds else {
            return .error(
                status: 400, code: "bad_request",
                message: "ttl_seconds must be between 1 and \(Self.maxTokenTTLSeconds)")
        }
        if let uses = body.uses, uses < 1 {
            return .error(status: 400, code: "bad_request", message: "uses must be at least 1 (omit it for unlimited)")
        }
        let labels = body.labels ?? [:]
        if let bad = labels.keys.first(where: { !Self.isValidLabelKey($0) }) {
            return .error(status: 400, code: "bad_request", message: "invalid label key \"\(bad)\"")
        }
        do {
            let now = self.now
            let issued = try store.createJoinToken(ttl: .seconds(ttl), uses: body.uses, labels: labels, now: now)
            return .json(
                CreatedJoinToken(token: issued.tokenString, info: Self.info(issued.record, now: now)), status: 201)
        } catch {
            return Self.storeFailure(error)
        }
    }

    func listTokens(_ request: APIRequest) -> APIResponse {
        if case .failure(let response) = auth.require(.admin, for: request) { return response }
        do {
            let now = self.now
            return .json(JoinTokenList(tokens: try store.listJoinTokens().map { Self.info($0, now: now) }))
        } catch {
            return Self.storeFailure(error)
        }
    }

    func revokeToken(_ request: APIRequest, _ id: String) async -> APIResponse {
        await audited(request, action: "join_token.revoke", target: id, role: .admin) { _ in
            do throws(StoreError) {
                let now = self.now
                guard try store.joinToken(id: id) != nil else {
                    return .error(status: 404, code: "not_found", message: "no join token \(id)")
                }
                return .json(Self.info(try store.revokeJoinToken(id: id, now: now), now: now))
            } catch {
                return Self.storeFailure(error)
            }
        }
    }

    static func info(_ record: JoinTokenRecord, now: Int64) -> JoinTokenInfo {
        let status: String
        switch record.refusal(now: now) {
        case nil: status = "active"
        case .tokenRevoked: status = "revoked"
        case .tokenExpired: status = "expired"
        default: status = "used_up"
        }
        return JoinTokenInfo(
            id: record.id, status: status, labels: record.labels, createdAtMs: record.createdAt,
            expiresAtMs: record.expiresAt, maxUses: record.maxUses, uses: record.uses, revokedAtMs: record.revokedAt)
    }

    /// Label keys: 1-63 characters of letters, digits, `-`, `_`, `.`, `/`.
    static func isValidLabelKey(_ key: String) -> Bool {
        !key.isEmpty && key.utf8.count <= 63
            && key.unicodeScalars.allSatisfy {
                (("a"..."z").contains($0) || ("A"..."Z").contains($0)
                    || ("0"..."9").contains($0) || "-_./".unicodeScalars.contains($0))
            }
    }

    static func describe(_ error: any Error) -> String {
        if let decoding = error as? DecodingError {
            switch decoding {
            case .typeMismatch(_, let context), .valueNotFound(_, let context), .keyNotFound(_, let context),
                .dataCorrupted(let context):
                let path = context.codingPath.map(\.stringValue).joined(separator: ".")
                return path.isEmpty ? context.debugDescription : "\(path): \(context.debugDescription)"
            @unknown default:
                return "\(decoding)"
            }
        }
        return "\(error)"
    }
}
