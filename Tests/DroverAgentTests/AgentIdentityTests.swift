import DroverAgent
import DroverSession
import DroverTLS
import DroverTestSupport
import Foundation
import Testing

/// The agent's identity on disk: saved all together or not at all, even across a crash.
@Suite struct AgentIdentityTests {
    let pki = TestPKI.shared

    func temporaryDirectory() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("agent-identity-\(UUID().uuidString)").path
    }

    func identity(_ name: String, renewAfter: Int64) throws -> AgentIdentity {
        let (key, certificate) = try pki.issueClient(commonName: name)
        return AgentIdentity(key: key, certificate: certificate, caCertificate: pki.ca.certificate, renewAfterUnixMs: renewAfter)
    }

    /// Writes the `*.new` files of `next` as a save would before its commit point.
    func writeNewFiles(_ next: AgentIdentity, to directory: String) throws {
        let contents = [
            try next.key.pemString(), try next.caCertificate.pemString(), "\(next.renewAfterUnixMs)\n",
            try next.certificate.pemString(),
        ]
        for (file, text) in zip(["agent.key", "ca.crt", "renew-after", "agent.crt"], contents) {
            try PrivateFile.write(text, to: directory + "/" + file + ".new")
        }
    }

    @Test func saveAndLoadRoundTripWithPrivateModes() throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        #expect(try AgentIdentity.load(from: directory) == nil)
        let first = try identity("h-1", renewAfter: 1_000)
        try first.save(to: directory)
        let loaded = try #require(try AgentIdentity.load(from: directory))
        #expect(loaded.certificate == first.certificate && loaded.renewAfterUnixMs == 1_000)
        #expect(try loaded.key.pemString() == first.key.pemString())
        for file in ["agent.key", "agent.crt", "ca.crt", "renew-after"] {
            #expect(PrivateFile.mode(directory + "/" + file) == 0o600, "\(file)")
        }
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".new") || $0.hasSuffix(".commit") }
        #expect(leftovers.isEmpty)
    }

    @Test func aCrashBeforeTheCommitKeepsTheOldPair() throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let old = try identity("h-1", renewAfter: 1_000)
        try old.save(to: directory)
        // The renewal wrote its new files, then the process died before the commit marker.
        try writeNewFiles(try identity("h-1", renewAfter: 2_000), to: directory)
        let loaded = try #require(try AgentIdentity.load(from: directory))
        #expect(loaded.certificate == old.certificate)
        #expect(try loaded.key.pemString() == old.key.pemString())
        #expect(loaded.renewAfterUnixMs == 1_000)
        #expect(!FileManager.default.fileExists(atPath: directory + "/agent.key.new"))
    }

    @Test func aCrashAfterTheCommitHalfwayThroughTheRenamesFinishesTheNewPair() throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try identity("h-1", renewAfter: 1_000).save(to: directory)
        let next = try identity("h-1", renewAfter: 2_000)
        try writeNewFiles(next, to: directory)
        try PrivateFile.write("commit\n", to: directory + "/identity.commit")
        // Two of four renames happened (new key, new CA) before the crash: a mismatched pair on disk.
        try PrivateFile.move(directory + "/agent.key.new", to: directory + "/agent.key")
        try PrivateFile.move(directory + "/ca.crt.new", to: directory + "/ca.crt")
        let loaded = try #require(try AgentIdentity.load(from: directory))
        #expect(loaded.certificate == next.certificate)
        #expect(try loaded.key.pemString() == next.key.pemString())
        #expect(loaded.renewAfterUnixMs == 2_000)
        #expect(!FileManager.default.fileExists(atPath: directory + "/identity.commit"))
        // The loaded pair really belongs together: a TLS context accepts key and certificate.
        _ = try TLSContext(configuration: .client(
            certificateChain: [loaded.certificate], privateKey: loaded.key, trustRoots: [loaded.caCertificate]))
    }
}
