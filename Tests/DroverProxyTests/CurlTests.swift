import DroverProxy
import Foundation
import Testing

/// One end-to-end check with the standard client, `curl`.
@Suite struct CurlTests {
    @Test func curlGetsTheVersionAndKeepsItWithTheCookie() async throws {
        try await withBackends(["stable", "canary"]) { servers in
            let table = RoutingTable(
                backends: [Backend(servers[0], weight: 5_000), Backend(servers[1], weight: 5_000)],
                canaryVersion: "canary", stickiness: .cookie(name: "drover-v"))
            try await withProxy(table) { _, port in
                let url = "http://127.0.0.1:\(port)/"
                let first = try runCurl(["-s", "-i", url])
                let (head, body) = try #require(split(first))
                #expect(head.hasPrefix("HTTP/1.1 200 OK"))
                #expect(body == "stable" || body == "canary")
                let cookieLine = try #require(head.split(separator: "\r\n").first { $0.lowercased().hasPrefix("set-cookie: drover-v=") })
                let cookie = try #require(cookieLine.dropFirst("set-cookie: ".count).split(separator: ";").first)
                for _ in 0..<5 {
                    #expect(try runCurl(["-s", "-b", String(cookie), url]) == body)
                }
            }
        }
    }

    private func split(_ response: String) -> (head: String, body: String)? {
        guard let range = response.range(of: "\r\n\r\n") else { return nil }
        return (String(response[..<range.lowerBound]), String(response[range.upperBound...]))
    }

    private func runCurl(_ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
        process.arguments = ["--max-time", "10"] + arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw TestFailure("curl exited \(process.terminationStatus)") }
        return String(decoding: data, as: UTF8.self)
    }
}
