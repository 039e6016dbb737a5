@testable import DroverAPI
import DroverTestSupport
import Foundation
import Testing

/// The agent binary download: streamed in chunks, with its SHA-256 beside it.
@Suite("Agent binary download")
struct AgentDownloadTests {
    static func curlPath() throws -> String {
        try #require(
            ["/usr/bin/curl", "/usr/local/bin/curl"].first(where: FileManager.default.isExecutableFile(atPath:)),
            "curl not installed")
    }

    static func withTempDirectory(_ body: (String) async throws -> Void) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("drover-dl-\(UUID().uuidString)")
            .path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try await body(directory)
    }

    @Test("over real TLS the body equals the file; X-Drover-SHA256 and /download/drover-agent.sha256 match sha256sum")
    func downloadAndDigest() async throws {
        let curl = try Self.curlPath()
        try await Self.withTempDirectory { directory in
            let binary = (0..<1_000_000).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ $0 >> 9) }
            let path = directory + "/drover-agent"
            try Data(binary).write(to: URL(fileURLWithPath: path))
            let sum = try await runProcess("/usr/bin/sha256sum", [path])
            let expected = String(sum.stdout.prefix(64))
            #expect(expected.count == 64)
            try await withAPIServer(configure: { $0.agentBinaryPath = path }) { api in
                let fetched = try await runProcess(
                    curl,
                    [
                        "-fsS", "--cacert", api.caPath, "-D", directory + "/headers", "-o", directory + "/out",
                        "\(api.address)/download/drover-agent",
                    ])
                #expect(fetched.status == 0, "\(fetched.stderr)")
                #expect(FileManager.default.contents(atPath: directory + "/out") == Data(binary))
                let headers = try String(contentsOfFile: directory + "/headers", encoding: .utf8).lowercased()
                #expect(headers.contains("x-drover-sha256: \(expected)\r\n"))
                #expect(headers.contains("content-length: 1000000\r\n"))

                let (status, line) = try await api.client(token: nil).raw(.GET, "/download/drover-agent.sha256")
                #expect(status == 200)
                #expect(String(decoding: line, as: UTF8.self) == "\(expected)  drover-agent\n")
                // The line checks the downloaded file with sha256sum -c, as an installer would.
                try Data(line).write(to: URL(fileURLWithPath: directory + "/drover-agent.sha256"))
                try FileManager.default.removeItem(atPath: path)
                try FileManager.default.moveItem(atPath: directory + "/out", toPath: path)
                let check = try await runProcess(
                    "/bin/sh", ["-c", "cd '\(directory)' && sha256sum -c drover-agent.sha256"])
                #expect(check.status == 0, "\(check.stdout)\(check.stderr)")

                // A new version of the file gets a new digest.
                try Data(binary.reversed()).write(to: URL(fileURLWithPath: path))
                let (_, newLine) = try await api.client(token: nil).raw(.GET, "/download/drover-agent.sha256")
                let newSum = try await runProcess("/usr/bin/sha256sum", [path])
                #expect(String(decoding: newLine, as: UTF8.self).prefix(64) == newSum.stdout.prefix(64))
                #expect(try await api.client(token: nil).raw(.POST, "/download/drover-agent.sha256").0 == 405)
            }
        }
    }

    @Test("the file is read in chunks of at most 64 KiB that add up to the file")
    func chunks() async throws {
        try await Self.withTempDirectory { directory in
            let bytes = (0..<200_001).map { UInt8(truncatingIfNeeded: $0 &* 13) }
            try Data(bytes).write(to: URL(fileURLWithPath: directory + "/f"))
            let reader = try #require(FileChunkReader(path: directory + "/f"))
            var all: [UInt8] = []
            var sizes: [Int] = []
            while true {
                let chunk = try await reader.next(limit: .max)
                if chunk.isEmpty { break }
                sizes.append(chunk.count)
                all += chunk
            }
            #expect(all == bytes)
            #expect(sizes == [65_536, 65_536, 65_536, 3_393])
            #expect(FileChunkReader(path: directory + "/missing") == nil)
        }
    }

    @Test("a slow download that keeps flowing outlasts the idle timeout")
    func slowDownloadIsNotIdle() async throws {
        let curl = try Self.curlPath()
        try await Self.withTempDirectory { directory in
            let path = directory + "/drover-agent"
            #expect(FileManager.default.createFile(atPath: path, contents: nil))
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
            try handle.truncate(atOffset: 8 << 20)
            try handle.close()
            try await withAPIServer(configure: {
                $0.agentBinaryPath = path
                $0.idleTimeoutSeconds = 2
            }) { api in
                // The digest first (computed once per version, before the first answer), so a
                // loaded machine's slow hashing cannot look like an idle connection.
                #expect(try await api.client(token: nil).raw(.GET, "/download/drover-agent.sha256").0 == 200)
                let started = ContinuousClock.now
                // 8 MiB at 2 MiB/s: about 4 s, two idle timeouts long, the client sending nothing.
                let result = try await runProcess(
                    curl, ["-fsS", "--cacert", api.caPath, "--limit-rate", "2M", "-o", "/dev/null", "-w",
                        "%{size_download}", "\(api.address)/download/drover-agent"])
                #expect(result.status == 0, "\(result.stderr)")
                #expect(result.stdout == String(8 << 20))
                #expect(ContinuousClock.now - started > .seconds(3))
            }
        }
    }

}
