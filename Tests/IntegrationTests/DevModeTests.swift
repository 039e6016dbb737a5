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
}
