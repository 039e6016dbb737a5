import DroverProxy
import NIOCore
import NIOHTTP1
import Testing

/// Sticky routing over real sockets: cookie (assigned by the proxy), header, client address,
/// and the canary allowlist.
@Suite struct StickyRoutingTests {
    private func table(_ servers: [TestServer], canary: Int, stickiness: StickyKeySource, allowlist: Set<String> = []) -> RoutingTable {
        RoutingTable(
            backends: [Backend(servers[0], weight: 10_000 - canary), Backend(servers[1], weight: canary)],
            canaryVersion: "canary", stickiness: stickiness, canaryAllowlist: allowlist)
    }

    @Test func assignedCookieKeepsTheClientOnItsVersionAcrossAWeightChange() async throws {
        try await withBackends(["stable", "canary"]) { servers in
            try await withProxy(table(servers, canary: 3_000, stickiness: .cookie(name: "drover-v"))) { proxy, port in
                try await withHTTPClient(port: port) { client in
                    var cookies: [(value: String, version: String)] = []
                    for _ in 0..<40 {
                        let first = try await client.send()
                        let setCookie = try #require(first.headers.first(name: "set-cookie"))
                        #expect(setCookie.hasSuffix("; Path=/; HttpOnly; SameSite=Lax"))
                        let pair = try #require(setCookie.split(separator: ";").first)
                        let value = String(pair.dropFirst("drover-v=".count))
                        cookies.append((value, first.text))
                    }
                    #expect(Set(cookies.map(\.version)) == ["stable", "canary"])
                    for (value, version) in cookies {
                        for _ in 0..<3 {
                            let again = try await client.send(.GET, "/", headers: [("cookie", "a=b; drover-v=\(value)")])
                            #expect(again.text == version)
                            #expect(again.headers.first(name: "set-cookie") == nil)
                        }
                    }
                    // The canary grows to 60 %: its clients stay, some stable ones move over.
                    try await proxy.update(table(servers, canary: 6_000, stickiness: .cookie(name: "drover-v")))
                    for (value, version) in cookies where version == "canary" {
                        #expect(try await client.send(.GET, "/", headers: [("cookie", "drover-v=\(value)")]).text == "canary")
                    }
                }
            }
        }
    }

    @Test func headerKeyIsSticky() async throws {
        try await withBackends(["stable", "canary"]) { servers in
            try await withProxy(table(servers, canary: 5_000, stickiness: .header(name: "x-user"))) { _, port in
                try await withHTTPClient(port: port) { client in
                    var seen: Set<String> = []
                    for user in 0..<20 {
                        let expected = RouteSelector(table: table(servers, canary: 5_000, stickiness: .header(name: "x-user")))
                        let index = try #require(expected.pick(stickyKey: "user-\(user)"))
                        for _ in 0..<5 {
                            let response = try await client.send(.GET, "/", headers: [("x-user", "user-\(user)")])
                            #expect(response.text == servers[index].version)
                            seen.insert(response.text)
                        }
                    }
                    #expect(seen == ["stable", "canary"])
                }
            }
        }
    }

    @Test func clientAddressIsStickyAndTheAllowlistWins() async throws {
        try await withBackends(["stable", "canary"]) { servers in
            let byAddress = table(servers, canary: 5_000, stickiness: .clientAddress)
            let expected = try #require(RouteSelector(table: byAddress).pick(stickyKey: "127.0.0.1"))
            try await withProxy(byAddress) { proxy, port in
                for _ in 0..<3 {
                    // New connections each time: the address, not the connection, decides.
                    try await withHTTPClient(port: port) { client in
                        for _ in 0..<10 { let got74 = try await client.send().text; #expect(got74 == servers[expected].version) }
                    }
                }
                // Canary at 0 %, but 127.0.0.1 is on the allowlist.
                try await proxy.update(table(servers, canary: 0, stickiness: .clientAddress, allowlist: ["127.0.0.1"]))
                try await withHTTPClient(port: port) { client in
                    for _ in 0..<10 { let got80 = try await client.send().text; #expect(got80 == "canary") }
                }
                try await proxy.update(table(servers, canary: 0, stickiness: .header(name: "x-user"), allowlist: ["tester"]))
                try await withHTTPClient(port: port) { client in
                    let got84 = try await client.send(.GET, "/", headers: [("x-user", "tester")]).text; #expect(got84 == "canary")
                    let got85 = try await client.send(.GET, "/", headers: [("x-user", "someone")]).text; #expect(got85 == "stable")
                    let got86 = try await client.send().text; #expect(got86 == "stable")
                }
            }
        }
    }
}
