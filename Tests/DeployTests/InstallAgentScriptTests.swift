import Foundation
import Testing

/// The repository root, found from this file's path.
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()
let scriptPath = repositoryRoot.appendingPathComponent("deploy/install-agent.sh").path
let pin = "sha256:" + String(repeating: "ab", count: 32)
let token = "drv_abcd1234_Sup3rSecretJoinTokenValue0123456789"

/// What one run of a process said.
struct RunResult {
    var status: Int32
    var stdout: String
    var stderr: String
}

/// Runs `/bin/sh install-agent.sh arguments…` to completion, output captured through files.
func runScript(_ arguments: [String]) async throws -> RunResult {
    try await run("/bin/sh", [scriptPath] + arguments)
}

func run(_ executable: String, _ arguments: [String]) async throws -> RunResult {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("deploy-out-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let out = directory.appendingPathComponent("out")
    let err = directory.appendingPathComponent("err")
    _ = FileManager.default.createFile(atPath: out.path, contents: nil)
    _ = FileManager.default.createFile(atPath: err.path, contents: nil)
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    process.environment = [
        "PATH": "/usr/local/bin:/usr/bin:/bin", "TMPDIR": FileManager.default.temporaryDirectory.path,
    ]
    process.standardInput = FileHandle.nullDevice
    process.standardOutput = try FileHandle(forWritingTo: out)
    process.standardError = try FileHandle(forWritingTo: err)
    let status: Int32 = try await withCheckedThrowingContinuation { continuation in
        process.terminationHandler = { continuation.resume(returning: $0.terminationStatus) }
        do {
            try process.run()
        } catch {
            process.terminationHandler = nil
            continuation.resume(throwing: error)
        }
    }
    return RunResult(
        status: status, stdout: (try? String(contentsOf: out, encoding: .utf8)) ?? "",
        stderr: (try? String(contentsOf: err, encoding: .utf8)) ?? "")
}

/// Permission bits of `path`, e.g. 0o600.
func mode(_ path: String) throws -> Int {
    let attributes = try FileManager.default.attributesOfItem(atPath: path)
    return (attributes[.posixPermissions] as? NSNumber)?.intValue ?? -1
}

func modificationDate(_ path: String) throws -> Date? {
    try FileManager.default.attributesOfItem(atPath: path)[.modificationDate] as? Date
}

/// A fresh temporary install root.
func makeRoot() throws -> String {
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("drover-root-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
    return root
}

/// A stand-in agent binary with known bytes (an executable shell script).
func makeBinary(_ root: String, version: String) throws -> String {
    let path = root + "/../agent-\(UUID().uuidString)"
    try "#!/bin/sh\necho drover-agent \(version)\n".write(toFile: path, atomically: true, encoding: .utf8)
    return path
}

@Suite("deploy/install-agent.sh")
struct InstallAgentScriptTests {
    func installArguments(root: String, binary: String, token: String = token) -> [String] {
        ["--root", root, "--token", token, "--ca-pin", pin, "--controller", "ctl.example:7400", "--binary", binary]
    }

    @Test("installs binary, env file (0600), unit and state dir (0700) under --root; second run changes nothing")
    func installIdempotent() async throws {
        let root = try makeRoot()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let binary = try makeBinary(root, version: "1")
        defer { try? FileManager.default.removeItem(atPath: binary) }

        let first = try await runScript(installArguments(root: root, binary: binary))
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout.contains("installed (4 change(s))"))
        #expect(first.stdout.contains("not starting the service"))
        #expect(!first.stdout.contains(token) && !first.stderr.contains(token))

        let bin = root + "/usr/local/bin/drover-agent"
        let env = root + "/etc/drover/agent.env"
        let unit = root + "/etc/systemd/system/drover-agent.service"
        let state = root + "/var/lib/drover-agent"
        #expect(FileManager.default.contents(atPath: bin) == FileManager.default.contents(atPath: binary))
        #expect(try mode(bin) == 0o755)
        #expect(try mode(env) == 0o600)
        #expect(try mode(unit) == 0o644)
        #expect(try mode(state) == 0o700)
        #expect(try mode(root + "/etc/drover") == 0o755)
        let envText = try String(contentsOfFile: env, encoding: .utf8)
        for line in [
            "DROVER_CONTROLLER=ctl.example:7400", "DROVER_CA_PIN=\(pin)", "DROVER_TOKEN=\(token)",
            "DROVER_STATE_DIR=/var/lib/drover-agent",
        ] {
            #expect(envText.split(separator: "\n").contains(Substring(line)), "\(line)")
        }
        // The unit the script writes is the one in deploy/systemd.
        let shipped = try String(
            contentsOf: repositoryRoot.appendingPathComponent("deploy/systemd/drover-agent.service"), encoding: .utf8)
        #expect(try String(contentsOfFile: unit, encoding: .utf8) == shipped)

        let before = try [bin, env, unit].map(modificationDate)
        try await Task.sleep(for: .milliseconds(20))
        let second = try await runScript(installArguments(root: root, binary: binary))
        #expect(second.status == 0)
        #expect(second.stdout.contains("already installed and up to date; nothing changed"))
        #expect(!second.stdout.contains("wrote"))
        #expect(try [bin, env, unit].map(modificationDate) == before)

        // A new token or binary changes exactly those files.
        let newBinary = try makeBinary(root, version: "2")
        defer { try? FileManager.default.removeItem(atPath: newBinary) }
        let third = try await runScript(installArguments(root: root, binary: newBinary, token: "drv_zzzz9999_another"))
        #expect(third.status == 0)
        #expect(third.stdout.contains("installed (2 change(s))"))
        #expect(FileManager.default.contents(atPath: bin) == FileManager.default.contents(atPath: newBinary))
        #expect(try String(contentsOfFile: env, encoding: .utf8).contains("DROVER_TOKEN=drv_zzzz9999_another"))
        #expect(try mode(env) == 0o600)

        // A loosened mode is repaired.
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: env)
        let repair = try await runScript(installArguments(root: root, binary: newBinary, token: "drv_zzzz9999_another"))
        #expect(repair.stdout.contains("fixed mode of \(env)"))
        #expect(try mode(env) == 0o600)
    }

    @Test("--binary accepts a URL (file:// here, fetched with curl)")
    func binaryURL() async throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/curl") else {
            Issue.record("curl is not installed; the URL path cannot be exercised")
            return
        }
        let root = try makeRoot()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let binary = try makeBinary(root, version: "url")
        defer { try? FileManager.default.removeItem(atPath: binary) }
        let result = try await runScript(
            installArguments(root: root, binary: URL(fileURLWithPath: binary).standardizedFileURL.absoluteString))
        #expect(result.status == 0, "\(result.stderr)")
        #expect(
            FileManager.default.contents(atPath: root + "/usr/local/bin/drover-agent")
                == FileManager.default.contents(atPath: binary))
    }

    @Test("--uninstall removes what was installed, keeps state unless --purge, and is idempotent")
    func uninstall() async throws {
        let root = try makeRoot()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let binary = try makeBinary(root, version: "1")
        defer { try? FileManager.default.removeItem(atPath: binary) }
        #expect(try await runScript(installArguments(root: root, binary: binary)).status == 0)
        let keyPath = root + "/var/lib/drover-agent/agent.key"
        try "key".write(toFile: keyPath, atomically: true, encoding: .utf8)

        let removed = try await runScript(["--uninstall", "--root", root])
        #expect(removed.status == 0)
        for path in [
            "/usr/local/bin/drover-agent", "/etc/drover/agent.env", "/etc/systemd/system/drover-agent.service",
            "/etc/drover",
        ] {
            #expect(!FileManager.default.fileExists(atPath: root + path), "\(path) still there")
        }
        #expect(FileManager.default.fileExists(atPath: keyPath))
        #expect(removed.stdout.contains("kept"))

        let again = try await runScript(["--uninstall", "--root", root])
        #expect(again.status == 0)
        #expect(again.stdout.contains("nothing to uninstall"))

        let purged = try await runScript(["--uninstall", "--purge", "--root", root])
        #expect(purged.status == 0)
        #expect(!FileManager.default.fileExists(atPath: root + "/var/lib/drover-agent"))
    }

    @Test("bad arguments exit 1 and install nothing; a missing binary exits 2")
    func usageErrors() async throws {
        let root = try makeRoot()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let binary = try makeBinary(root, version: "1")
        defer { try? FileManager.default.removeItem(atPath: binary) }
        let good = installArguments(root: root, binary: binary)
        func replacing(_ flag: String, with value: String) -> [String] {
            var arguments = good
            arguments[arguments.firstIndex(of: flag)! + 1] = value
            return arguments
        }
        let cases: [[String]] = [
            Array(good.prefix(2)) + Array(good.dropFirst(4)),  // no --token
            replacing("--ca-pin", with: "sha256:1234"),
            replacing("--ca-pin", with: "md5:" + String(repeating: "a", count: 64)),
            replacing("--controller", with: "ctl.example"),
            replacing("--controller", with: "ctl;rm -rf /:7400"),
            replacing("--token", with: "not-a-token"),
            good + ["--frobnicate"],
            ["--root", root + "/missing", "--uninstall"],
        ]
        for arguments in cases {
            let result = try await runScript(arguments)
            #expect(result.status == 1, "\(arguments): \(result.stderr)")
            #expect(!result.stderr.isEmpty)
        }
        #expect(!FileManager.default.fileExists(atPath: root + "/usr"))
        #expect(!FileManager.default.fileExists(atPath: root + "/etc"))
        let missing = try await runScript(replacing("--binary", with: root + "/nope"))
        #expect(missing.status == 2)
        #expect(!FileManager.default.fileExists(atPath: root + "/etc/drover/agent.env"))
        let help = try await runScript(["--help"])
        #expect(help.status == 0 && help.stdout.contains("--uninstall"))
    }

    @Test("shellcheck finds nothing (when shellcheck is installed)")
    func shellcheck() async throws {
        let candidates = ["/usr/bin/shellcheck", "/usr/local/bin/shellcheck"]
        guard let shellcheck = candidates.first(where: FileManager.default.isExecutableFile(atPath:)) else {
            print("shellcheck not installed: lint skipped (the behaviour tests above still ran)")
            return
        }
        let result = try await run(shellcheck, ["-s", "sh", scriptPath])
        #expect(result.status == 0, "\(result.stdout)")
    }

    @Test("systemd units carry the hardening settings")
    func units() throws {
        for name in ["drover-agent", "drover-controller"] {
            let text = try String(
                contentsOf: repositoryRoot.appendingPathComponent("deploy/systemd/\(name).service"), encoding: .utf8)
            let lines = Set(text.split(separator: "\n").map(String.init))
            for setting in [
                "NoNewPrivileges=yes", "ProtectSystem=strict", "PrivateTmp=yes", "RestartSec=5s",
            ] {
                #expect(lines.contains(setting), "\(name): \(setting)")
            }
            #expect(lines.contains { $0 == "ProtectHome=yes" || $0 == "ProtectHome=read-only" })
            #expect(lines.contains { $0.hasPrefix("StateDirectory=") })
            #expect(lines.contains { $0.hasPrefix("ReadWritePaths=") })
            #expect(lines.contains { $0.hasPrefix("CapabilityBoundingSet=") })
        }
        let agent = try String(
            contentsOf: repositoryRoot.appendingPathComponent("deploy/systemd/drover-agent.service"), encoding: .utf8)
        #expect(agent.contains("EnvironmentFile=/etc/drover/agent.env"))
        #expect(agent.contains("CapabilityBoundingSet=CAP_NET_BIND_SERVICE\n"))
        #expect(agent.contains("\nLimitNOFILE=65536\n"), "the proxy needs more than the default 1,024 descriptors")
    }

    @Test("systemd-analyze verify accepts both units (when systemd-analyze is installed)")
    func systemdVerify() async throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/systemd-analyze") else {
            print("systemd-analyze not installed: unit verification skipped (the hardening test above still ran)")
            return
        }
        let units = ["drover-agent", "drover-controller"].map {
            repositoryRoot.appendingPathComponent("deploy/systemd/\($0).service").path
        }
        let result = try await run("/usr/bin/systemd-analyze", ["verify"] + units)
        // The binaries are not installed on the test machine; anything else (an unknown key,
        // a bad value) is a real problem in the unit files.
        let problems = (result.stdout + result.stderr).split(separator: "\n").filter {
            !$0.contains("is not executable: No such file or directory")
        }
        #expect(problems.isEmpty, "\(problems)")
    }
}
