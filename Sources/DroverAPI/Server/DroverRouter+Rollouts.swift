import DroverStore
import Foundation

extension DroverRouter {
    /// `/v1/deploys`, `/v1/rollouts[/{id}[/pause|resume|abort]]`,
    /// `/v1/services[/{name}/rollback|canary|history]`;
    /// `segments` starts after `v1`.
    func rolloutRoute(_ request: APIRequest, _ segments: [String]) async -> APIResponse {
        if let (action, target) = Self.rolloutMutation(request.method, segments) {
            return await audited(
                request, action: action, target: target, role: .operator,
                resolveTarget: { target ?? Self.answerField($0, ["service"]) }
            ) { _ in await rolloutRouteAuthorized(request, segments) }
        }
        switch auth.require(request.method == "GET" ? .viewer : .operator, for: request) {
        case .failure(let response): return response
        case .success: return await rolloutRouteAuthorized(request, segments)
        }
    }

    /// The audit action and target of a mutating rollout route, `nil` for reads and non-routes.
    static func rolloutMutation(_ method: String, _ segments: [String]) -> (String, String?)? {
        guard method == "POST" else { return nil }
        switch segments {
        case ["deploys"]:
            return ("deploy.create", nil)
        case let s where s.count == 3 && s[0] == "rollouts" && RolloutOperatorAction(rawValue: s[2]) != nil:
            return ("rollout." + s[2], s[1])
        case let s where s.count == 3 && s[0] == "services" && s[2] == "rollback":
            return ("service.rollback", s[1])
        case let s where s.count == 3 && s[0] == "services" && s[2] == "canary":
            return ("canary.set", s[1])
        default:
            return nil
        }
    }

    private func rolloutRouteAuthorized(_ request: APIRequest, _ segments: [String]) async -> APIResponse {
        let method = request.method
        guard let control = rolloutControl else {
            return .error(status: 503, code: "unavailable", message: "this server has no rollout coordinator")
        }
        do {
            switch (method, segments) {
            case ("POST", ["deploys"]):
                let body: DeployRequest
                do {
                    body = try APIJSON.decoder().decode(DeployRequest.self, from: .init(request.body))
                } catch {
                    return .error(
                        status: 400, code: "bad_json",
                        message: "request body is not a deploy request: \(Self.describe(error))")
                }
                return .json(try await control.deploy(body), status: 201)
            case ("GET", ["rollouts"]):
                return .json(RolloutList(rollouts: try await control.rollouts(service: request.query["service"])))
            case ("GET", let s) where s.count == 2 && s[0] == "rollouts":
                return .json(try await control.rollout(id: s[1]))
            case ("POST", let s) where s.count == 3 && s[0] == "rollouts":
                guard let action = RolloutOperatorAction(rawValue: s[2]) else {
                    return .error(
                        status: 404, code: "not_found", message: "no rollout action \(s[2]) (pause, resume or abort)")
                }
                return .json(try await control.act(on: s[1], action: action))
            case ("GET", ["services"]):
                return .json(ServiceList(services: try await control.services()))
            case ("GET", let s) where s.count == 3 && s[0] == "services" && s[2] == "history":
                return .json(try await control.history(service: s[1]))
            case ("POST", let s) where s.count == 3 && s[0] == "services" && s[2] == "rollback":
                var body = RollbackRequest()
                if !request.body.isEmpty {
                    do {
                        body = try APIJSON.decoder().decode(RollbackRequest.self, from: .init(request.body))
                    } catch {
                        return .error(
                            status: 400, code: "bad_json",
                            message: "request body is not a rollback request: \(Self.describe(error))")
                    }
                }
                return .json(try await control.rollback(service: s[1], to: body.to), status: 201)
            case ("POST", let s) where s.count == 3 && s[0] == "services" && s[2] == "canary":
                let body: CanaryRequest
                do {
                    body = try APIJSON.decoder().decode(CanaryRequest.self, from: .init(request.body))
                } catch {
                    return .error(
                        status: 400, code: "bad_json",
                        message: "request body is not a canary request: \(Self.describe(error))")
                }
                if case .failure(let problem) = body.resolved() {
                    return .error(status: 400, code: "bad_request", message: problem.description)
                }
                return .json(try await control.canary(service: s[1], body))
            default:
                return Self.rolloutRouteMismatch(method: method, segments: segments)
            }
        } catch {
            return Self.rolloutFailure(error)
        }
    }

    static func rolloutFailure(_ error: RolloutControlError) -> APIResponse {
        switch error {
        case .invalidSpec(let problems):
            return .error(status: 400, code: "invalid_spec", message: problems.joined(separator: "\n"))
        case .refused(let message):
            return .error(status: 400, code: "refused", message: message)
        case .notFound(let message):
            return .error(status: 404, code: "not_found", message: message)
        case .conflict(let message):
            return .error(status: 409, code: "conflict", message: message)
        case .internal(let message):
            return .error(status: 500, code: "internal", message: message)
        }
    }

    private static func rolloutRouteMismatch(method: String, segments: [String]) -> APIResponse {
        let path = "/v1/" + segments.joined(separator: "/")
        let allowed: [String]
        switch segments {
        case ["deploys"]: allowed = ["POST"]
        case ["rollouts"], ["services"]: allowed = ["GET"]
        case let s where s.count == 2 && s[0] == "rollouts": allowed = ["GET"]
        case let s where s.count == 3 && s[0] == "rollouts": allowed = ["POST"]
        case let s where s.count == 3 && s[0] == "services" && s[2] == "history": allowed = ["GET"]
        case let s where s.count == 3 && s[0] == "services" && (s[2] == "rollback" || s[2] == "canary"):
            allowed = ["POST"]
        default: return .error(status: 404, code: "not_found", message: "no route for \(path)")
        }
        return .error(
            status: 405, code: "method_not_allowed", message: "allowed methods: \(allowed.joined(separator: ", "))",
            headers: [APIHeader("Allow", allowed.joined(separator: ", "))])
    }
}
