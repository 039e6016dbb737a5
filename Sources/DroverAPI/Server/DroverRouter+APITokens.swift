import DroverStore
import Foundation

extension DroverRouter {
    /// `POST /v1/api-tokens` (admin): 201 with the secret, shown once.
    func createAPIToken(_ request: APIRequest) async -> APIResponse {
        await audited(
            request, action: "api_token.create", target: nil, role: .admin,
            resolveTarget: { Self.answerField($0, ["info", "id"]) }
        ) { _ in
            let body: CreateAPITokenRequest
            do {
                body = try APIJSON.decoder().decode(CreateAPITokenRequest.self, from: .init(request.body))
            } catch {
                return .error(
                    status: 400, code: "bad_json",
                    message: "request body is not an API token request: \(Self.describe(error))")
            }
            guard let role = APIRole(rawValue: body.role) else {
                return .error(status: 400, code: "bad_request", message: "role must be viewer, operator or admin")
            }
            do throws(StoreError) {
                let now = self.now
                let expiresAt = try APITokenPolicy.expiry(ttlSeconds: body.ttlSeconds, now: now)
                let issued = try store.createAPIToken(name: body.name, role: role, expiresAt: expiresAt, now: now)
                return .json(
                    CreatedAPIToken(token: issued.tokenString, info: APITokenInfo(issued.record, now: now)), status: 201)
            } catch {
                return Self.apiTokenFailure(error)
            }
        }
    }

    /// `GET /v1/api-tokens` (admin): every token, never a secret or hash.
    func listAPITokens(_ request: APIRequest) -> APIResponse {
        if case .failure(let response) = auth.require(.admin, for: request) { return response }
        do {
            let now = self.now
            return .json(APITokenList(tokens: try store.listAPITokens().map { APITokenInfo($0, now: now) }))
        } catch {
            return Self.storeFailure(error)
        }
    }

    /// `DELETE /v1/api-tokens/{id}` (admin); the last active admin token is refused (409):
    /// the API would lock itself out, and the recovery is the offline command on the data dir.
    func revokeAPIToken(_ request: APIRequest, _ id: String) async -> APIResponse {
        await audited(request, action: "api_token.revoke", target: id, role: .admin) { _ in
            do throws(StoreError) {
                let now = self.now
                return .json(APITokenInfo(try store.revokeAPIToken(id: id, now: now, sparingLastAdmin: true), now: now))
            } catch {
                return Self.apiTokenFailure(error)
            }
        }
    }

    private static func apiTokenFailure(_ error: StoreError) -> APIResponse {
        switch error {
        case .duplicateAPITokenName, .lastAdminToken:
            return .error(status: 409, code: "conflict", message: error.description)
        default:
            return storeFailure(error)
        }
    }
}
