import DroverAPI
import DroverInventory
import DroverStore
import DroverTLS
import DroverTestSupport
import Foundation
import Testing

/// A FleetControl for router tests that must never be reached.
struct UnreachableFleetControl: FleetControl {
    func disconnect(hostID: String) async {
        Issue.record("disconnect(\(hostID)) was not expected")
    }
}

@Suite("Router without sockets")
struct RouterTests {
    func makeRouter(store: any StateStore, clock: @escaping @Sendable () -> Int64) -> DroverRouter {
        var configuration = APIServerConfiguration(tls: TestPKI.shared.serverConfiguration())
        configuration.clock = clock
        return DroverRouter(
            configuration: configuration, store: store, inventory: SharedFleetInventory(),
            fleetControl: UnreachableFleetControl())
    }

    @Test("request targets: path, percent-decoded segments and query")
    func requestParsing() {
        let request = APIRequest(
            method: "get", target: "/v1/hosts/web%201?since_seconds=60&x=a%2Fb&flag",
            headers: ["Authorization": "Bearer t"])
        #expect(request.method == "GET")
        #expect(request.path == "/v1/hosts/web%201")
        #expect(request.pathSegments == ["v1", "hosts", "web 1"])
        #expect(request.query == ["since_seconds": "60", "x": "a/b", "flag": ""])
        #expect(request.headers["authorization"] == "Bearer t")
        #expect(APIPath.segment("web 1/ä") == "web%201%2F%C3%A4")
    }

    @Test("the injected clock decides token expiry; 405 carries Allow")
    func clockAndMethods() async throws {
        let store = try SQLiteStateStore.inMemory()
        let t0: Int64 = 1_800_000_000_000
        let admin = try store.createAPIToken(name: "admin", role: .admin, now: t0).tokenString
        let router = makeRouter(store: store, clock: { t0 + 10_000 })
        let created = await router.respond(
            to: APIRequest(
                method: "POST", target: "/v1/tokens", headers: ["authorization": "Bearer \(admin)"],
                body: Array("{\"ttl_seconds\":5}".utf8)))
        #expect(created.status == 201)
        let info = try JSONDecoder().decode(CreatedJoinToken.self, from: Data(created.body)).info
        #expect(info.createdAtMs == t0 + 10_000 && info.expiresAtMs == t0 + 15_000)

        let later = makeRouter(store: store, clock: { t0 + 20_000 })
        let listed = await later.respond(
            to: APIRequest(method: "GET", target: "/v1/tokens", headers: ["authorization": "Bearer \(admin)"]))
        let tokens = try JSONDecoder().decode(JoinTokenList.self, from: Data(listed.body)).tokens
        #expect(tokens.map(\.status) == ["expired"])

        let wrongMethod = await router.respond(to: APIRequest(method: "PUT", target: "/v1/tokens"))
        #expect(wrongMethod.status == 405)
        #expect(wrongMethod.headers == [APIHeader("Allow", "GET, POST")])
        #expect(wrongMethod.contentType == "application/json")
    }
}
