import Foundation
import DroverInventory
import DroverStore

/// The Drover API: hosts, join tokens, deploys and rollouts, services, metrics, health and the
/// agent installer downloads.
///
/// Roles: `viewer` reads hosts, rollouts and services (and `/metrics`); `operator` drains,
/// deploys and pauses, resumes, aborts or rolls back; `admin` removes hosts, manages join and
/// API tokens and reads the audit log. Every mutating call is audited (``AuditRecorder``). `/healthz`, `/install.sh` and `/download/drover-agent` need no token
/// (an installing host has only its join token, which the controller checks at enrollment).
public struct DroverRouter: Router {
    let configuration: APIServerConfiguration
    let store: any StateStore
    let inventory: SharedFleetInventory
    let fleetControl: any FleetControl
    let rolloutControl: (any RolloutControl)?
    let auth: APIAuthorization
    let audit: AuditRecorder
    let limiter: APIRateLimiter
    let digests = FileDigestCache()

    /// A router over `store` and `inventory` that cuts removed hosts off through `fleetControl`
    /// and serves deploys and rollouts through `rolloutControl` (without one, those routes
    /// answer 503).
    public init(
        configuration: APIServerConfiguration,
        store: any StateStore,
        inventory: SharedFleetInventory,
        fleetControl: any FleetControl,
        rolloutControl: (any RolloutControl)? = nil
    ) {
        self.configuration = configuration
        self.store = store
        self.inventory = inventory
        self.fleetControl = fleetControl
        self.rolloutControl = rolloutControl
        self.auth = APIAuthorization(store: store, clock: configuration.clock)
        self.audit = configuration.audit ?? AuditRecorder(store: store)
        self.limiter = APIRateLimiter(limit: configuration.unauthenticatedRateLimit, clock: configuration.clock)
    }

    var now: Int64 { configuration.clock() }

    public func respond(to request: APIRequest) async -> APIResponse {
        // Work anyone can ask for (no token, or a wrong one) is budgeted per address.
        if Self.unauthenticatedRoutes.contains(request.pathSegments), let refusal = limiter.refusal(for: request.remoteAddress) {
            return refusal
        }
        let response = await route(request)
        if response.status == 401, let refusal = limiter.refusal(for: request.remoteAddress) {
            return refusal
        }
        return hidingInternalDetail(response, of: request)
    }

    /// A 500's detail (store errors, token-check failures, paths) goes to the log under the
    /// request id; the caller gets only the id.
    func hidingInternalDetail(_ response: APIResponse, of request: APIRequest) -> APIResponse {
        guard response.status >= 500, response.status != 503 else { return response }
        let detail = (try? APIJSON.decoder().decode(APIErrorBody.self, from: .init(response.body)))?.message
        configuration.log(
            "api: \(request.method) \(request.path) failed with \(response.status) (request.id=\(request.requestID)): "
                + (detail ?? String(decoding: response.body.prefix(1_024), as: UTF8.self)))
        var hidden = APIResponse.json(
            APIErrorBody(error: "internal", message: "internal error", requestID: request.requestID),
            status: response.status)
        hidden.headers = response.headers
        return hidden
    }

    /// The routes that need no token.
    static let unauthenticatedRoutes: Set<[String]> = [
        ["healthz"], ["install.sh"], ["download", "drover-agent"], ["download", "drover-agent.sha256"],
    ]

    private func route(_ request: APIRequest) async -> APIResponse {
        let segments = request.pathSegments
        let method = request.method
        switch segments {
        case ["healthz"]:
            return only(["GET"], method) { APIResponse.json(["status": "ok"]) }
        case ["metrics"]:
            return only(["GET"], method) { metrics(request) }
        case ["install.sh"]:
            return only(["GET"], method) {
                serveFile(
                    configuration.installScriptPath, contentType: "text/x-shellscript; charset=utf-8",
                    what: "install script")
            }
        case ["download", "drover-agent"], ["download", "drover-agent.sha256"]:
            guard method == "GET" else { return methodNotAllowed(["GET"]) }
            return await agentBinary(checksumOnly: segments[1] == "drover-agent.sha256")
        case ["v1", "hosts"]:
            return only(["GET"], method) { listHosts(request) }
        case let s where s.count == 3 && s[0] == "v1" && s[1] == "hosts":
            return only(["GET"], method) { showHost(request, s[2]) }
        case let s
        where s.count == 4 && s[0] == "v1" && s[1] == "hosts" && ["drain", "undrain", "remove"].contains(s[3]):
            guard method == "POST" else { return methodNotAllowed(["POST"]) }
            return await hostAction(request, s[2], action: s[3])
        case ["v1", "tokens"]:
            switch method {
            case "GET": return listTokens(request)
            case "POST": return await createToken(request)
            default: return methodNotAllowed(["GET", "POST"])
            }
        case let s where s.count == 3 && s[0] == "v1" && s[1] == "tokens":
            guard method == "DELETE" else { return methodNotAllowed(["DELETE"]) }
            return await revokeToken(request, s[2])
        case ["v1", "api-tokens"]:
            switch method {
            case "GET": return listAPITokens(request)
            case "POST": return await createAPIToken(request)
            default: return methodNotAllowed(["GET", "POST"])
            }
        case let s where s.count == 3 && s[0] == "v1" && s[1] == "api-tokens":
            guard method == "DELETE" else { return methodNotAllowed(["DELETE"]) }
            return await revokeAPIToken(request, s[2])
        case ["v1", "audit"]:
            return only(["GET"], method) { listAudit(request) }
        case let s where s.count >= 2 && s[0] == "v1" && ["deploys", "rollouts", "services"].contains(s[1]):
            return await rolloutRoute(request, Array(s.dropFirst()))
        default:
            return .error(status: 404, code: "not_found", message: "no route for \(request.path)")
        }
    }

    private func only(_ methods: [String], _ method: String, _ body: () -> APIResponse) -> APIResponse {
        guard methods.contains(method) else { return methodNotAllowed(methods) }
        return body()
    }

    private func methodNotAllowed(_ methods: [String]) -> APIResponse {
        .error(
            status: 405, code: "method_not_allowed", message: "allowed methods: \(methods.joined(separator: ", "))",
            headers: [APIHeader("Allow", methods.joined(separator: ", "))])
    }

    static func storeFailure(_ error: StoreError) -> APIResponse {
        switch error {
        case .hostNotFound, .joinTokenNotFound, .apiTokenNotFound:
            return .error(status: 404, code: "not_found", message: error.description)
        case .invalidArgument:
            return .error(status: 400, code: "bad_request", message: error.description)
        case .hostRemoved, .duplicateHostName:
            return .error(status: 409, code: "conflict", message: error.description)
        default:
            return .error(status: 500, code: "internal", message: error.description)
        }
    }

    // MARK: Metrics

    private func metrics(_ request: APIRequest) -> APIResponse {
        if configuration.metricsRequireToken, case .failure(let response) = auth.require(.viewer, for: request) {
            return response
        }
        do {
            let hosts = try FleetView.hosts(store: store, inventory: inventory.snapshot())
            return APIResponse(
                status: 200, contentType: PrometheusExposition.contentType, body: Array(FleetMetrics.render(hosts).utf8)
            )
        } catch {
            return Self.storeFailure(error)
        }
    }

    // MARK: Files

    private func serveFile(_ path: String?, contentType: String, what: String) -> APIResponse {
        guard let path else {
            return .error(status: 404, code: "not_found", message: "this controller serves no \(what)")
        }
        guard let bytes = FileBytes.read(path) else {
            return .error(status: 500, code: "internal", message: "the \(what) could not be read")
        }
        return APIResponse(status: 200, contentType: contentType, body: bytes)
    }
}

extension DroverRouter {
    /// `GET /download/drover-agent` (streamed, with `X-Drover-SHA256`) or its checksum line,
    /// `<hex>  drover-agent` as `sha256sum` prints it.
    func agentBinary(checksumOnly: Bool) async -> APIResponse {
        guard let path = configuration.agentBinaryPath else {
            return .error(status: 404, code: "not_found", message: "this controller serves no agent binary")
        }
        guard let version = FileVersion.of(path), let digest = await digests.sha256(path: path, version: version) else {
            return .error(status: 500, code: "internal", message: "the agent binary at \(path) could not be read")
        }
        if checksumOnly {
            return APIResponse(
                status: 200, contentType: "text/plain; charset=utf-8", body: Array("\(digest)  drover-agent\n".utf8))
        }
        var response = APIResponse(
            status: 200, contentType: "application/octet-stream", headers: [APIHeader("X-Drover-SHA256", digest)],
            body: [])
        response.file = APIFileBody(path: path, size: version.size)
        return response
    }
}
