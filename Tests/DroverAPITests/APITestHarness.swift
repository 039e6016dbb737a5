import DroverAPI
import DroverInventory
import DroverStore
import DroverTLS
import DroverTestSupport
import DroverWire
import Foundation
import Synchronization

/// Records the hosts the API asked the controller to disconnect.
final class RecordingFleetControl: FleetControl {
    private let calls = Mutex<[String]>([])

    func disconnect(hostID: String) async {
        calls.withLock { $0.append(hostID) }
    }

    var disconnected: [String] { calls.withLock { $0 } }
}

/// A real API server on 127.0.0.1 over DroverTLS, backed by a SQLite store in a temp directory.
struct APIHarness: Sendable {
    let server: APIServer
    let store: SQLiteStateStore
    let inventory: SharedFleetInventory
    let fleetControl: RecordingFleetControl
    let port: Int
    let directory: String
    let admin: String
    let operatorToken: String
    let viewer: String
    let caPath: String

    var address: String { "https://127.0.0.1:\(port)" }

    /// A client with `token` that trusts the test fleet CA.
    func client(token: String?) throws -> APIClient {
        try APIClient(
            endpoint: APIEndpoint(parsing: address), token: token,
            trust: .caCertificates([TestPKI.shared.ca.certificate]))
    }

    /// Adds an enrolled host with an issued certificate; returns the certificate's fingerprint.
    @discardableResult
    func enroll(id: String, name: String, connect: Bool = true, labels: [String: String] = [:]) throws -> String {
        let now = nowMs()
        try store.insertHost(
            HostRecord(
                id: id, name: name, address: "192.0.2.10", labels: labels, agentVersion: "0.1.0", enrolledAt: now,
                lastSeenAt: now))
        let (_, certificate) = try TestPKI.shared.issueClient(commonName: id)
        try store.recordIssuedCertificate(
            CertificateRecord(
                serial: certificate.serialHex, hostID: id, fingerprint: certificate.sha256Fingerprint,
                notBefore: certificate.notBefore * 1_000, notAfter: certificate.notAfter * 1_000, issuedAt: now))
        if connect {
            _ = inventory.withInventory {
                $0.hostConnected(
                    hostID: id, name: name, address: "192.0.2.10", agentVersion: "0.1.0", labels: labels, now: now)
            }
        }
        return certificate.sha256Fingerprint
    }

    /// Feeds `count` reports for `id`, 5 s apart, ending now.
    func report(_ id: String, cpu: UInt32, memoryUsed: UInt64 = 2 << 30, count: Int = 1, now: Int64 = nowMs()) {
        _ = inventory.withInventory { inventory in
            var events: [InventoryEvent] = []
            for index in 0..<count {
                events += inventory.hostReport(
                    hostID: id, report: sampleReport(cpu: cpu, memoryUsed: memoryUsed),
                    now: now - Int64(count - 1 - index) * 5_000)
            }
            return events
        }
    }
}

func nowMs() -> Int64 {
    Int64(Date().timeIntervalSince1970 * 1_000)
}

func sampleReport(cpu: UInt32, memoryUsed: UInt64) -> Drover_V1_HostReport {
    var report = Drover_V1_HostReport()
    report.cpu.cores = 8
    report.cpu.usageBp = cpu
    report.memory.totalBytes = 16 << 30
    report.memory.usedBytes = memoryUsed
    report.load.load1Milli = 2_500
    report.load.load5Milli = 1_500
    report.load.load15Milli = 500
    report.uptimeSeconds = 86_400
    for (mount, used) in [("/", UInt64(40)), ("/var/lib/containers", UInt64(70))] {
        var disk = Drover_V1_DiskStats()
        disk.mountPoint = mount
        disk.device = "/dev/vda1"
        disk.fsType = "ext4"
        disk.totalBytes = 100 << 30
        disk.usedBytes = used << 30
        disk.freeBytes = (100 - used) << 30
        report.disks.append(disk)
    }
    return report
}

/// Runs `body` against a fresh server and always stops it and removes the temp directory.
func withAPIServer(
    configure: (inout APIServerConfiguration) -> Void = { _ in },
    _ body: (APIHarness) async throws -> Void
) async throws {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("drover-api-\(UUID().uuidString)")
        .path
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let store = try SQLiteStateStore(path: directory + "/state.db")
    let now = nowMs()
    let admin = try store.createAPIToken(name: "admin", role: .admin, now: now).tokenString
    let operatorToken = try store.createAPIToken(name: "ops", role: .operator, now: now).tokenString
    let viewer = try store.createAPIToken(name: "dashboard", role: .viewer, now: now).tokenString
    let caPath = directory + "/ca.pem"
    try TestPKI.shared.ca.certificate.pemString().write(toFile: caPath, atomically: true, encoding: .utf8)

    var configuration = APIServerConfiguration(
        host: "127.0.0.1", port: 0, tls: TestPKI.shared.serverConfiguration(peerVerification: .none))
    configure(&configuration)
    let inventory = SharedFleetInventory()
    let control = RecordingFleetControl()
    let server = try APIServer(configuration: configuration, store: store, inventory: inventory, fleetControl: control)
    try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { try await server.run() }
        let port = try await server.localPort()
        let harness = APIHarness(
            server: server, store: store, inventory: inventory, fleetControl: control, port: port, directory: directory,
            admin: admin, operatorToken: operatorToken, viewer: viewer, caPath: caPath)
        do {
            try await body(harness)
        } catch {
            group.cancelAll()
            throw error
        }
        group.cancelAll()
    }
}
