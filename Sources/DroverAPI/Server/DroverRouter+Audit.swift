import DroverStore
import Foundation

extension DroverRouter {
    /// `GET /v1/audit` answers at most this many entries (default 100).
    static let maxAuditLimit = 1_000
    /// `since_seconds` reaches back at most 10 years.
    static let maxAuditSinceSeconds: Int64 = 3_650 * 86_400
    /// Longest `actor` or `action` filter accepted.
    static let maxAuditFilterLength = 128

    /// Checks `role`, runs `body` for an allowed caller and records one audit entry for the call
    /// (allowed or refused); `target` names what was acted on (`resolveTarget` may find it in
    /// the answer, e.g. a created token's id). Calls without a valid token are aggregated per
    /// source address (``AuditRecorder/recordAggregated(_:)``).
    func audited(
        _ request: APIRequest,
        action: String,
        target: String?,
        role: APIRole,
        resolveTarget: (APIResponse) -> String? = { _ in nil },
        _ body: (APITokenRecord) async -> APIResponse
    ) async -> APIResponse {
        let caller: APITokenRecord
        switch auth.check(role, for: request) {
        case .unauthenticated(let response):
            audit.recordAggregated(
                entry(request, caller: nil, action: action, target: target, response: response))
            return response
        case .forbidden(let record, let response):
            audit.record(entry(request, caller: record, action: action, target: target, response: response))
            return response
        case .allowed(let record):
            caller = record
        }
        let response = await body(caller)
        audit.record(
            entry(request, caller: caller, action: action, target: resolveTarget(response) ?? target, response: response))
        return response
    }

    /// The audit entry for one answered call.
    private func entry(
        _ request: APIRequest, caller: APITokenRecord?, action: String, target: String?, response: APIResponse
    ) -> NewAuditEntry {
        let outcome: AuditOutcome =
            (200..<300).contains(response.status) ? .ok : response.status >= 500 ? .failed : .refused
        return NewAuditEntry(
            at: now, actorKind: caller == nil ? .anonymous : .token, actorID: caller?.id, actorName: caller?.name,
            sourceAddress: request.remoteAddress, action: action, target: target, outcome: outcome,
            status: response.status,
            reason: outcome == .ok ? nil : (try? APIJSON.decoder().decode(APIErrorBody.self, from: Data(response.body)))?.message,
            requestID: request.requestID)
    }

    /// `GET /v1/audit?since_seconds=&actor=&action=&limit=` (admin: the log names every token
    /// and address that acted, the material an intruder would want first).
    func listAudit(_ request: APIRequest) -> APIResponse {
        if case .failure(let response) = auth.require(.admin, for: request) { return response }
        var query = AuditQuery()
        if let text = request.query["limit"] {
            guard let limit = Int(text), (1...Self.maxAuditLimit).contains(limit) else {
                return .error(status: 400, code: "bad_request", message: "limit must be 1...\(Self.maxAuditLimit)")
            }
            query.limit = limit
        }
        if let text = request.query["since_seconds"] {
            guard let seconds = Int64(text), (1...Self.maxAuditSinceSeconds).contains(seconds) else {
                return .error(
                    status: 400, code: "bad_request", message: "since_seconds must be 1...\(Self.maxAuditSinceSeconds)")
            }
            // Bounded above, so the product fits; the clock is ours.
            query.since = now - seconds * 1_000
        }
        for key in ["actor", "action"] {
            guard let text = request.query[key] else { continue }
            guard !text.isEmpty, text.unicodeScalars.count <= Self.maxAuditFilterLength else {
                return .error(
                    status: 400, code: "bad_request", message: "\(key) must be 1...\(Self.maxAuditFilterLength) characters")
            }
            if key == "actor" { query.actor = text } else { query.action = text }
        }
        do {
            return .json(AuditList(entries: try store.listAudit(query).map(AuditEntryInfo.init)))
        } catch {
            return Self.storeFailure(error)
        }
    }

    /// A string field of a JSON answer, `path` naming nested keys (e.g. `["info", "id"]`).
    static func answerField(_ response: APIResponse, _ path: [String]) -> String? {
        guard (200..<300).contains(response.status),
            var value = try? JSONSerialization.jsonObject(with: Data(response.body))
        else { return nil }
        for key in path {
            guard let object = value as? [String: Any], let next = object[key] else { return nil }
            value = next
        }
        return value as? String
    }
}
