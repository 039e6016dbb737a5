import DroverAPI
import Foundation
import Testing

/// `drover plan FILE` against a real API server and real spec files.
@Suite("drover plan")
struct PlanCommandTests {
    /// The repository's example spec with `replacements` applied (text substitutions).
    func exampleSpec(in directory: String, _ replacements: [(String, String)] = []) throws -> String {
        let example = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("examples/web.yaml")
        var text = try String(contentsOf: example, encoding: .utf8)
        for (old, new) in replacements {
            #expect(text.contains(old), "example spec has \(old)")
            text = text.replacingOccurrences(of: old, with: new)
        }
        let path = directory + "/web-\(UUID().uuidString.prefix(6)).yaml"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test("picks hosts by label, skips drained ones, and shows batches and the rollback bound")
    func planAgainstTheFleet() async throws {
        try await withAPIServer { api in
            for index in 1...5 {
                _ = try api.enroll(id: "h-web\(index)aaaaaaa", name: "web-\(index)", labels: ["role": "web"])
            }
            _ = try api.enroll(id: "h-dbaaaaaaaaaa", name: "db-1", labels: ["role": "db"])
            let drain = try await api.drover(["hosts", "drain", "web-5"])
            #expect(drain.status == 0, "\(drain.stderr)")
            let spec = try exampleSpec(in: api.directory)

            let json = try await api.drover(["plan", spec, "-o", "json"], token: api.viewer)
            #expect(json.status == 0, "\(json.stderr)")
            let plan = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
            #expect(plan["hosts"] as? [String] == ["web-1", "web-2", "web-3", "web-4"])
            #expect(plan["skipped_drained_hosts"] as? [String] == ["web-5"])
            #expect(plan["max_parallel"] as? Int == 1 && plan["batches"] as? Int == 4)  // 25 % of 4
            #expect(plan["rollback_worst_case"] as? String == "1m17s")  // the defaults plus a 5 s start period
            #expect(plan["rollback_fits"] as? Bool == true)

            let text = try await api.drover(["plan", spec], token: api.viewer)
            #expect(text.status == 0)
            #expect(text.stdout.contains("Batches: 4 of at most 1 host"))
            #expect(text.stdout.contains("Worst-case rollback: 1m17s of 5m allowed ✔"))
        }
    }

    @Test("an invalid spec names the file and the fields; nothing is asked of the controller")
    func invalidSpec() async throws {
        try await withAPIServer { api in
            // A wrong token would fail with 2: the spec is refused before any request.
            let spec = try exampleSpec(in: api.directory, [("public: 8000", "public: 70000"), ("timeout: 2s", "timeout: 9s")])
            let result = try await api.drover(["plan", spec], token: "drv_api_wrong")
            #expect(result.status == 1)
            #expect(result.stderr.contains("\(spec): ports.public: must be a port from 1 to 65535, got 70000"))
            #expect(result.stderr.contains("\(spec): health.timeout: must be less than health.interval (5s), got 9s"))
            #expect(result.stderr.contains("is not a valid service spec (2 problems)"))

            let typo = try exampleSpec(in: api.directory, [("max_parallel: 25%", "max_parallel: lots")])
            let parsed = try await api.drover(["plan", typo], token: api.viewer)
            #expect(parsed.status == 1)
            #expect(parsed.stderr.contains("\(typo):27: update.max_parallel:"))
        }
    }

    @Test("a rollback that could exceed 5 minutes is refused with the setting to lower; --hosts plans offline")
    func budgetRefusedOffline() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("drover-plan-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let spec = try exampleSpec(in: directory, [("start_period: 5s", "start_period: 4m"), ("healthy_deadline: 5m", "healthy_deadline: 6m")])
        let result = try await runProcess(try droverBinary(), ["plan", spec, "--hosts", "40"], environment: ["PATH": "/usr/bin:/bin"])
        #expect(result.status == 1, "\(result.stdout)\n\(result.stderr)")
        #expect(result.stdout.contains("Hosts: 40 (offline plan)"))
        #expect(result.stdout.contains("Batches: 4 of at most 10 hosts"))
        #expect(result.stderr.contains("health.start_period") && result.stderr.contains("over the 5m limit"))

        let unreadable = try await runProcess(try droverBinary(), ["plan", directory + "/missing.yaml", "--hosts", "1"], environment: [:])
        #expect(unreadable.status == 1 && unreadable.stderr.contains("cannot read"))
    }

    @Test("no matching host is an error that names the labels")
    func noTargets() async throws {
        try await withAPIServer { api in
            _ = try api.enroll(id: "h-dbaaaaaaaaaa", name: "db-1", labels: ["role": "db"])
            let spec = try exampleSpec(in: api.directory)
            let result = try await api.drover(["plan", spec], token: api.viewer)
            #expect(result.status == 1)
            #expect(result.stderr.contains("hosts.labels: no host has the labels role=web"))
        }
    }
}
