import DroverTestSupport
import Foundation
import Testing

/// `drover dev` as a new user runs it: follow what it prints, see the local host in `drover hosts`.
@Suite(.serialized) struct DevModeTests {
    @Test func devModeShowsTheLocalHostWithLiveMetrics() async throws {
        try await withProcessScope { scope in
            let dev = try scope.start(
                "dev", Binaries.drover, ["dev", "--agent-port", "0", "--api-port", "0", "--report-interval", "0.5"])
            try await poll("drover dev to print its banner") {
                guard dev.isRunning else { throw PollTimeout(what: "drover dev (it exited)\n\(dev.transcript)") }
                return dev.stdout.contains("Ctrl-C stops")
            }
            // The banner's exports are exactly what the user pastes into another shell.
            var environment: [String: String] = [:]
            for line in dev.stdout.split(separator: "\n") {
                let text = line.trimmingCharacters(in: .whitespaces)
                guard text.hasPrefix("export DROVER_"), let equals = text.firstIndex(of: "=") else { continue }
                environment[String(text[text.index(text.startIndex, offsetBy: 7)..<equals])] =
                    String(text[text.index(after: equals)...])
            }
            #expect(Set(environment.keys) == ["DROVER_ADDR", "DROVER_TOKEN", "DROVER_CA_CERT"])
            let stateLine = try #require(dev.stdout.split(separator: "\n").first { $0.contains("state ") })
            let stateDirectory = String(try #require(stateLine.split(separator: " ").dropFirst().first))
            #expect(FileManager.default.fileExists(atPath: stateDirectory))

            // `drover hosts -o json` until the local host is ready with CPU, memory and disk figures.
            var listing: [String: Any] = [:]
            var attempt = 0
            try await pollAsync("drover hosts to show the local host with live figures") {
                attempt += 1
                let hosts = try scope.start("hosts-\(attempt)", Binaries.drover, ["hosts", "-o", "json"], environment: environment)
                guard try await hosts.waitForExit() == 0,
                    let data = hosts.stdout.data(using: .utf8),
                    let object = try JSONSerialization.jsonObject(with: data) as? [String: Any],
                    let first = (object["hosts"] as? [[String: Any]])?.first
                else { return false }
                listing = first
                return first["state"] as? String == "ready" && first["cpu_percent"] != nil
                    && first["memory_used_bytes"] != nil && first["disk_max_percent"] != nil
            }
            #expect((listing["memory_total_bytes"] as? Double ?? 0) > 0)
            #expect(listing["connected"] as? Bool == true)
            #expect((listing["labels"] as? [String: String]) == ["env": "dev", "role": "web"])

            // The table a person reads has the same host.
            let table = try scope.start("hosts-table", Binaries.drover, ["hosts"], environment: environment)
            #expect(try await table.waitForExit() == 0)
            #expect(table.stdout.contains("ready"))
            #expect(table.stdout.contains(listing["name"] as? String ?? "?"))

            // Ctrl-C: a clean exit and the temporary state is gone.
            dev.signal(SIGINT)
            #expect(try await dev.waitForExit() == 0)
            #expect(!FileManager.default.fileExists(atPath: stateDirectory))
        }
    }

    /// The canary flow `drover dev` prints, with the files in examples/: a canary of v2 held at
    /// 50 % by hand and promoted, then a bad canary (v4) rolled back by analysis.
    @Test func devModeCanaryFlowFromTheExamples() async throws {
        try await withProcessScope { scope in
            // The example services outlive the dev process by design (public port 9000).
            defer { _ = try? runShell("pkill -KILL -f 'httpd -f -p 127.0.0.1:[0-9]* -h examples/www/' || true") }
            let dev = try scope.start(
                "dev", Binaries.drover, ["dev", "--agent-port", "0", "--api-port", "0", "--report-interval", "0.5"])
            try await poll("drover dev to print its banner") {
                guard dev.isRunning else { throw PollTimeout(what: "drover dev (it exited)\n\(dev.transcript)") }
                return dev.stdout.contains("Ctrl-C stops")
            }
            for command in ["examples/web-process-canary.yaml --detach", "drover canary web-process --percent 50",
                "drover canary web-process promote", "examples/web-process-canary-bad.yaml --detach"] {
                #expect(dev.stdout.contains(command), "the banner shows \(command)")
            }
            var environment: [String: String] = [:]
            for line in dev.stdout.split(separator: "\n") {
                let text = line.trimmingCharacters(in: .whitespaces)
                guard text.hasPrefix("export DROVER_"), let equals = text.firstIndex(of: "=") else { continue }
                environment[String(text[text.index(text.startIndex, offsetBy: 7)..<equals])] =
                    String(text[text.index(after: equals)...])
            }
            var runs = 0
            func drover(_ arguments: [String]) async throws -> (status: Int32, stdout: String) {
                runs += 1
                let run = try scope.start("cli-\(runs)", Binaries.drover, arguments, environment: environment)
                let status = try await run.waitForExit(timeout: .seconds(120))
                return (status, run.stdout + run.stderr)
            }
            func phase(_ id: String) async throws -> String? {
                let status = try await drover(["rollout", "status", id, "-o", "json"])
                let object = try JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as? [String: Any]
                return (object?["summary"] as? [String: Any])?["phase"] as? String
            }
            try await pollAsync("the local host ready") {
                try await drover(["hosts", "-o", "json"]).stdout.contains("\"state\" : \"ready\"")
            }
            let v1 = try await drover(["deploy", "examples/web-process.yaml"])
            #expect(v1.status == 0, "\(v1.stdout)")
            let started = try await drover(["deploy", "examples/web-process-canary.yaml", "--detach", "-o", "json"])
            let canary = try JSONSerialization.jsonObject(with: Data(started.stdout.utf8)) as? [String: Any]
            let id = try #require(canary?["id"] as? String, "\(started.stdout)")
            try await pollAsync(timeout: .seconds(60), "the canary waiting at 10 %") { try await phase(id) == "paused" }
            let held = try await drover(["canary", "web-process", "--percent", "50"])
            #expect(held.status == 0 && held.stdout.contains("at 50% of the traffic on 1 host"), "\(held.stdout)")
            let promoted = try await drover(["canary", "web-process", "promote"])
            #expect(promoted.status == 0 && promoted.stdout.contains("succeeded"), "\(promoted.stdout)")
            #expect(await httpGet(host: "127.0.0.1", port: 9000, "/version")?.body.trimmingSuffixNewlines == "v2")

            let bad = try await drover(["deploy", "examples/web-process-canary-bad.yaml", "--detach", "-o", "json"])
            let badID = try #require(
                (try JSONSerialization.jsonObject(with: Data(bad.stdout.utf8)) as? [String: Any])?["id"] as? String,
                "\(bad.stdout)")
            // Traffic, as the banner's curl loop sends it, until the analysis has judged it.
            try await pollAsync(timeout: .seconds(90), "the bad canary rolled back by analysis") {
                for _ in 0..<20 { _ = await httpGet(host: "127.0.0.1", port: 9000, "/cgi-bin/hello") }
                return try await phase(badID) == "rolled_back"
            }
            let status = try await drover(["rollout", "status", badID])
            #expect(status.stdout.contains("analysis") && status.stdout.contains("max_error_rate"), "\(status.stdout)")
            #expect(await httpGet(host: "127.0.0.1", port: 9000, "/cgi-bin/hello")?.body.trimmingSuffixNewlines == "hello from v2")
            dev.signal(SIGINT)
            #expect(try await dev.waitForExit() == 0)
        }
    }
}
