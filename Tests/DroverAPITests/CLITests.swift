import DroverAPI
import DroverStore
import DroverTLS
import DroverTestSupport
import Foundation
import Testing

@testable import DroverCLI

/// The `drover` executable built next to this test bundle.
func droverBinary() throws -> String {
    let fromRunner = URL(fileURLWithPath: ProcessInfo.processInfo.arguments[0]).deletingLastPathComponent()
        .appendingPathComponent("drover").path
    let fromSource = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
        .appendingPathComponent(".build/debug/drover").path
    let found = [fromRunner, fromSource].first { FileManager.default.isExecutableFile(atPath: $0) }
    return try #require(found, "drover binary not built (looked at \(fromRunner) and \(fromSource))")
}

extension APIHarness {
    /// Runs `drover` against this server; the connection flags come from the environment.
    func drover(_ arguments: [String], token: String? = nil, useEnvironment: Bool = true) async throws -> ProcessResult
    {
        var environment = ["PATH": "/usr/bin:/bin", "HOME": directory]
        if useEnvironment {
            environment["DROVER_ADDR"] = address
            environment["DROVER_CA_CERT"] = caPath
            environment["DROVER_TOKEN"] = token ?? admin
        }
        return try await runProcess(try droverBinary(), arguments, environment: environment)
    }
}

@Suite("drover CLI against a real API server")
struct CLITests {
    @Test("hosts lists as a table and as JSON; show prints details; unknown host exits 3")
    func hosts() async throws {
        try await withAPIServer { api in
            try api.enroll(id: "h-aaaaaaaaaaaa", name: "web-1", labels: ["zone": "a"])
            try api.enroll(id: "h-bbbbbbbbbbbb", name: "web-2")
            api.report("h-aaaaaaaaaaaa", cpu: 9_000, count: 3)

            let json = try await api.drover(["hosts", "-o", "json"], token: api.viewer)
            #expect(json.status == 0, "\(json.stderr)")
            let list = try JSONDecoder().decode(HostList.self, from: Data(json.stdout.utf8))
            #expect(list.hosts.map(\.name) == ["web-1", "web-2"])
            #expect(list.hosts[0].conditions == ["CPUHigh"])

            let table = try await api.drover(["hosts", "list"], token: api.viewer)
            #expect(table.status == 0)
            let lines = table.stdout.split(separator: "\n")
            #expect(lines.first?.hasPrefix("NAME   ADDRESS     STATE  AGENT  LAST SEEN  CPU    MEMORY") == true)
            #expect(lines.count == 3)
            #expect(
                lines[1].contains("web-1") && lines[1].contains("90.0%") && lines[1].contains("CPUHigh")
                    && lines[1].contains("ready"))
            #expect(lines[1].contains("12.5% of 16.0 GiB") && lines[1].contains("70.0% /var/lib/containers"))
            #expect(lines[2].contains("web-2") && lines[2].hasSuffix("-"))

            let show = try await api.drover(["hosts", "show", "web-1"], token: api.viewer)
            #expect(show.status == 0)
            #expect(show.stdout.contains("Name:        web-1"))
            #expect(show.stdout.contains("Labels:      zone=a"))
            #expect(show.stdout.contains("/var/lib/containers"))
            #expect(show.stdout.contains("History: 3 reports"))
            let showJSON = try await api.drover(
                ["hosts", "show", "h-aaaaaaaaaaaa", "--output", "json"], token: api.viewer)
            #expect(try JSONDecoder().decode(HostDetail.self, from: Data(showJSON.stdout.utf8)).history.count == 3)

            let missing = try await api.drover(["hosts", "show", "nope"], token: api.viewer)
            #expect(missing.status == 3)
            #expect(missing.stderr.contains("not found: no host nope"))
        }
    }

    @Test("exit codes: 2 for a wrong token or role, 1 for usage errors, 4 when the server is unreachable")
    func exitCodes() async throws {
        try await withAPIServer { api in
            try api.enroll(id: "h-aaaaaaaaaaaa", name: "web-1")
            let wrong = try await api.drover(["hosts"], token: "drv_api_aaaaaaaa_" + String(repeating: "b", count: 32))
            #expect(wrong.status == 2)
            #expect(wrong.stderr.contains("unauthorized"))
            let noToken = try await api.drover(
                ["hosts", "--addr", api.address, "--ca-cert", api.caPath], useEnvironment: false)
            #expect(noToken.status == 2)

            let viewerRemove = try await api.drover(["hosts", "remove", "web-1"], token: api.viewer)
            #expect(viewerRemove.status == 2)
            #expect(viewerRemove.stderr.contains("forbidden"))
            #expect(try api.store.host(id: "h-aaaaaaaaaaaa")?.state == .ready)

            #expect(try await api.drover(["token", "create", "--ttl", "banana"]).status == 1)
            #expect(try await api.drover(["hosts", "--bogus-flag"]).status == 1)
            let noCA = try await api.drover(
                ["hosts", "--addr", api.address, "--token", api.admin], useEnvironment: false)
            #expect(noCA.status == 1)
            #expect(noCA.stderr.contains("--ca-cert"))
            #expect(try await api.drover(["hosts", "--addr", "http://127.0.0.1:\(api.port)"]).status == 1)

            // Port 1 on loopback: nothing listens, the connection is refused.
            let refused = try await api.drover(["hosts", "--addr", "https://127.0.0.1:1"])
            #expect(refused.status == 4)
            #expect(refused.stderr.contains("cannot reach"))

            let help = try await api.drover(["hosts", "--help"])
            #expect(help.status == 0)
            #expect(help.stdout.contains("Exit codes: 0 ok, 1 usage error"))
        }
    }

    @Test("hosts drain and remove (with --ca-pin): store updated, certificate revoked, FleetControl called")
    func removeWithPin() async throws {
        try await withAPIServer { api in
            let fingerprint = try api.enroll(id: "h-aaaaaaaaaaaa", name: "web-1")
            let drain = try await api.drover(["hosts", "drain", "web-1"], token: api.operatorToken)
            #expect(drain.status == 0, "\(drain.stderr)")
            #expect(drain.stdout == "host web-1 (h-aaaaaaaaaaaa) is now drained\n")
            #expect(try api.store.host(id: "h-aaaaaaaaaaaa")?.state == .drained)

            let pin = CAPin(certificate: TestPKI.shared.ca.certificate).description
            let remove = try await api.drover(
                ["hosts", "remove", "web-1", "--addr", api.address, "--token", api.admin, "--ca-pin", pin],
                useEnvironment: false)
            #expect(remove.status == 0, "\(remove.stderr)")
            #expect(remove.stdout == "host web-1 (h-aaaaaaaaaaaa) is now removed; 1 certificate(s) revoked\n")
            #expect(try api.store.revokedFingerprints() == [fingerprint])
            #expect(api.fleetControl.disconnected == ["h-aaaaaaaaaaaa"])
        }
    }

    @Test("token create, list and revoke")
    func tokens() async throws {
        try await withAPIServer { api in
            let created = try await api.drover([
                "token", "create", "--ttl", "1h30m", "--uses", "3", "--label", "zone=a", "--label", "tier=web", "-o",
                "json",
            ])
            #expect(created.status == 0, "\(created.stderr)")
            let token = try JSONDecoder().decode(CreatedJoinToken.self, from: Data(created.stdout.utf8))
            #expect(token.info.maxUses == 3)
            #expect(token.info.labels == ["zone": "a", "tier": "web"])
            #expect(token.info.expiresAtMs - token.info.createdAtMs == 5_400_000)
            #expect(try api.store.joinToken(id: token.info.id) != nil)

            let plain = try await api.drover(["token", "create"])
            #expect(plain.status == 0)
            #expect(plain.stdout.hasPrefix("drv_"))
            #expect(plain.stderr.contains("shown only once"))

            let list = try await api.drover(["token", "list"])
            #expect(list.status == 0)
            #expect(list.stdout.contains(token.info.id))
            #expect(list.stdout.contains("0/3") && list.stdout.contains("0/∞"))
            #expect(!list.stdout.contains(token.token))
            let listJSON = try await api.drover(["token", "list", "-o", "json"])
            #expect(try JSONDecoder().decode(JoinTokenList.self, from: Data(listJSON.stdout.utf8)).tokens.count == 2)

            let revoke = try await api.drover(["token", "revoke", token.info.id])
            #expect(revoke.status == 0)
            #expect(revoke.stdout == "join token \(token.info.id) is revoked\n")
            #expect(try api.store.joinToken(id: token.info.id)?.revokedAt != nil)
            #expect(try await api.drover(["token", "revoke", "missing1"]).status == 3)
            #expect(try await api.drover(["token", "list"], token: api.operatorToken).status == 2)
        }
    }
}

@Suite("CLI helpers")
struct CLIHelperTests {
    @Test("durations")
    func durations() {
        #expect(DurationText.seconds("24h") == 86_400)
        #expect(DurationText.seconds("1h30m") == 5_400)
        #expect(DurationText.seconds("7d") == 604_800)
        #expect(DurationText.seconds("90") == 90)
        #expect(DurationText.seconds("45s") == 45)
        for bad in ["", "h", "0s", "1y", "-5m", "99999999999999999999d"] {
            #expect(DurationText.seconds(bad) == nil, "\(bad)")
        }
    }

    @Test("API addresses")
    func endpoints() throws {
        #expect(try APIEndpoint(parsing: "https://127.0.0.1:7401") == APIEndpoint(parsing: "127.0.0.1"))
        #expect(try APIEndpoint(parsing: "https://ctl.example:9000/").port == 9000)
        #expect(try APIEndpoint(parsing: "https://[::1]:8443").host == "::1")
        #expect(try APIEndpoint(parsing: "https://[::1]:8443").description == "https://[::1]:8443")
        for bad in ["http://x", "https://", "https://x:0", "https://x:99999", "https://x/path", "https://[::1"] {
            #expect(throws: APIClientError.self) { try APIEndpoint(parsing: bad) }
        }
    }

    @Test("host table formatting")
    func table() {
        let host = HostSummary(
            id: "h-1", name: "web-1", address: "10.0.0.1", state: "ready", connected: true, agentVersion: "0.1.0",
            labels: [:], lastSeenMs: 1_000_000, cpuPercent: 42.25, memoryUsedBytes: 1 << 30, memoryTotalBytes: 4 << 30,
            diskMaxPercent: 61, diskMaxMountpoint: "/", load1: 0.5, conditions: ["CPUHigh", "DiskHigh"])
        let text = HostTable.render([host], nowMs: 1_125_000)
        #expect(
            text == """
                NAME   ADDRESS   STATE  AGENT  LAST SEEN  CPU    MEMORY            DISK     CONDITIONS
                web-1  10.0.0.1  ready  0.1.0  2m ago     42.3%  25.0% of 4.0 GiB  61.0% /  CPUHigh,DiskHigh
                """)
        #expect(HostTable.ago(0, nowMs: 5) == "never")
        #expect(HostTable.bytes(1_536) == "1.5 KiB")
    }
}
