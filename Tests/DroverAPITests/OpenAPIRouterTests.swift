import DroverAPI
import DroverInventory
import DroverStore
import DroverTestSupport
import Foundation
import Testing
import Yams

/// docs/openapi.yaml against the router: every route documented, every documented route served.
@Suite("OpenAPI description and router agree")
struct OpenAPIRouterTests {
    static let methods = ["GET", "POST", "PUT", "DELETE", "PATCH"]

    static func documentedRoutes() throws -> Set<DroverRouter.Route> {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("docs/openapi.yaml").path
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let document = try #require(try Yams.load(yaml: text) as? [String: Any])
        #expect(document["openapi"] as? String == "3.1.0")
        let paths = try #require(document["paths"] as? [String: Any])
        var routes: Set<DroverRouter.Route> = []
        for (template, item) in paths {
            let operations = try #require(item as? [String: Any], "\(template)")
            for method in methods where operations[method.lowercased()] != nil {
                routes.insert(DroverRouter.Route(method: method, path: template))
            }
        }
        return routes
    }

    /// A router where every route can answer: admin token, a recording rollout control.
    static func router() throws -> (DroverRouter, String) {
        let store = try SQLiteStateStore.inMemory()
        let admin = try store.createAPIToken(name: "admin", role: .admin, now: nowMs()).tokenString
        var configuration = APIServerConfiguration(tls: TestPKI.shared.serverConfiguration())
        configuration.unauthenticatedRateLimit = APIRateLimit(burst: 10_000, perSecond: 0)
        configuration.log = { _ in }
        let router = DroverRouter(
            configuration: configuration, store: store, inventory: SharedFleetInventory(),
            fleetControl: UnreachableFleetControl(), rolloutControl: RecordingRolloutControl())
        return (router, admin)
    }

    /// Whether the answer came from routing (no such route or method), not from a handler.
    static func isRoutingRefusal(_ answer: APIResponse) -> Bool {
        if answer.status == 405 { return true }
        guard answer.status == 404, let body = try? errorBody(answer.body) else { return false }
        return body.message.hasPrefix("no route")
    }

    static func target(_ template: String) -> String {
        template.split(separator: "/").map { $0.hasPrefix("{") ? "placeholder" : String($0) }
            .reduce("") { $0 + "/" + $1 }
    }

    @Test("the documented routes are exactly DroverRouter.routes")
    func documentedEqualsServed() throws {
        let documented = try Self.documentedRoutes()
        let served = Set(DroverRouter.routes)
        #expect(served.count == DroverRouter.routes.count, "duplicate entries in DroverRouter.routes")
        #expect(documented.subtracting(served).sorted { $0.description < $1.description } == [], "documented, not served")
        #expect(served.subtracting(documented).sorted { $0.description < $1.description } == [], "served, not documented")
    }

    @Test("every route answers from its handler; other methods on its path get 405")
    func everyRouteIsServed() async throws {
        let (router, admin) = try Self.router()
        let byPath = Dictionary(grouping: DroverRouter.routes, by: \.path)
        for (template, routes) in byPath {
            let target = Self.target(template)
            for method in Self.methods {
                let answer = await router.respond(
                    to: APIRequest(method: method, target: target, headers: ["authorization": "Bearer \(admin)"]))
                if routes.contains(where: { $0.method == method }) {
                    #expect(!Self.isRoutingRefusal(answer), "\(method) \(target): \(answer.status)")
                } else {
                    #expect(answer.status == 405, "\(method) \(target) should be 405, got \(answer.status)")
                }
            }
        }
        // And an unknown path is a routing 404, which the check above tells apart.
        let unknown = await router.respond(
            to: APIRequest(method: "GET", target: "/v1/nothing", headers: ["authorization": "Bearer \(admin)"]))
        #expect(Self.isRoutingRefusal(unknown))
    }
}
