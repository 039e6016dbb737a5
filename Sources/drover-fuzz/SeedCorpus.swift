import DroverWire
import Foundation
import SwiftProtobuf

/// Seed inputs for the targets whose inputs are messages or need a framing byte, written by
/// `drover-fuzz --write-seeds DIR` into DIR/<target>/ (committed under Tests/Fuzz/).
/// `frames` is seeded from Protocol/vectors and `service-spec` from examples/ by scripts/fuzz.
enum SeedCorpus {
    static func write(to directory: String) throws {
        let seeds: [(FuzzTarget, [(String, [UInt8])])] = [
            (.http1Head, heads), (.http1Chunked, bodies), (.apiRequest, requests), (.hostReport, try reports()),
            (.agentCommand, try commands()),
        ]
        for (target, inputs) in seeds {
            let folder = directory + "/" + target.rawValue
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            for (name, bytes) in inputs {
                try Data(bytes).write(to: URL(fileURLWithPath: folder + "/seed-" + name))
            }
            print("drover-fuzz: \(inputs.count) seeds for \(target.rawValue)")
        }
    }

    static func text(_ value: String) -> [UInt8] { Array(value.replacingOccurrences(of: "\n", with: "\r\n").utf8) }

    static let heads: [(String, [UInt8])] = [
        ("get", text("GET /index.html?q=1 HTTP/1.1\nHost: web\nUser-Agent: curl/8\nAccept: */*\n\n")),
        ("post-length", text("POST /form HTTP/1.1\nHost: web\nContent-Length: 11\nConnection: keep-alive\n\nhello world")),
        ("post-chunked", text("POST /up HTTP/1.1\nHost: web\nTransfer-Encoding: gzip, chunked\nTE: trailers\n\n5\nhello\n0\n\n")),
        ("http10", text("GET / HTTP/1.0\nConnection: keep-alive\nCookie: a=1; drover_canary=x\n\n")),
        ("smuggle", text("POST / HTTP/1.1\nHost: a\nContent-Length: 4\nTransfer-Encoding: chunked\n\n")),
        ("connection-names", text("GET / HTTP/1.1\nHost: a\nConnection: close, content-length\nX-Forwarded-For: 1.2.3.4\n\n")),
        ("response-200", text("HTTP/1.1 200 OK\nContent-Type: text/plain\nContent-Length: 2\n\nok")),
        ("response-chunked", text("HTTP/1.1 200 OK\nTransfer-Encoding: chunked\nTrailer: x\n\n")),
        ("response-204", text("HTTP/1.1 204 No Content\n\n")),
        ("response-304", text("HTTP/1.0 304 Not Modified\nContent-Length: 99\n\n")),
        ("response-close", text("HTTP/1.1 502 Bad Gateway\nConnection: close\n\n")),
        ("incomplete", text("GET / HTTP/1.1\nHost: web\n")),
    ]

    /// Byte 0: framing (0 chunked, 1 chunked de-chunked, 2 length from bytes 1–2, 3 until close);
    /// byte 3: piece size.
    static let bodies: [(String, [UInt8])] = [
        ("chunked", [0, 0, 0, 3] + text("5\nhello\n6\n world\n0\n\n")),
        ("dechunked", [1, 0, 0, 2] + text("5;ext=1\nhello\n0\nTrailer: x\n\nGET / HTTP/1.1\n")),
        ("length", [2, 0, 5, 1] + Array("hellonext".utf8)),
        ("until-close", [3, 0, 0, 7] + Array("everything until the end".utf8)),
        ("hex-size", [0, 0, 0, 1] + text("1A\nabcdefghijklmnopqrstuvwxyz\n0\n\n")),
        ("huge-size", [1, 0, 0, 4] + text("fffffffffffffffff\nx\n")),
    ]

    /// Byte 0: credentials (0 none, 1 viewer, 2 operator, 3 admin, 5 unknown, 6 not Bearer).
    static let requests: [(String, [UInt8])] = {
        let spec = "name: web\nimage: localhost/web:v2\nports: {container: 8080, public: 80}\nhosts: {labels: {role: web}}\nhealth:\n  http: {path: /health, status: 200}\n"
        let deploy = String(decoding: try! JSONEncoder().encode(["file": "web.yaml", "spec": spec]), as: UTF8.self)
        let cases: [(String, UInt8, String)] = [
            ("healthz", 0, "GET /healthz\n\n"),
            ("metrics", 1, "GET /metrics\n\n"),
            ("hosts", 1, "GET /v1/hosts\n\n"),
            ("host", 1, "GET /v1/hosts/web-1?since_seconds=600\n\n"),
            ("host-since-huge", 1, "GET /v1/hosts/web-1?since_seconds=9999999999999999\n\n"),
            ("drain", 2, "POST /v1/hosts/web-2/drain\n\n"),
            ("remove", 3, "POST /v1/hosts/h-3/remove\n\n"),
            ("tokens", 3, "GET /v1/tokens\n\n"),
            ("token-create", 3, "POST /v1/tokens\ncontent-type: application/json\n\n{\"ttl_seconds\": 3600, \"uses\": 1}"),
            ("token-revoke", 3, "DELETE /v1/tokens/abc\n\n"),
            ("deploy", 2, "POST /v1/deploys\ncontent-type: application/json\n\n" + deploy),
            ("rollouts", 1, "GET /v1/rollouts?service=web&limit=5\n\n"),
            ("rollout-pause", 2, "POST /v1/rollouts/r-1/pause\n\n"),
            ("rollback", 2, "POST /v1/services/web/rollback\n\n{\"version\": \"v1\"}"),
            ("canary", 2, "POST /v1/services/web/canary\n\n{\"percent\": 1e300}"),
            ("canary-action", 2, "POST /v1/services/web/canary\n\n{\"action\": \"promote\"}"),
            ("services", 1, "GET /v1/services\n\n"),
            ("history", 1, "GET /v1/services/web/history\n\n"),
            ("no-token", 0, "GET /v1/hosts\n\n"),
            ("bad-token", 5, "POST /v1/deploys\n\n{}"),
            ("basic", 6, "GET /v1/tokens\n\n"),
            ("not-found", 1, "PUT /v1/nothing/%ff%00?a=%zz&&=\n\n"),
        ]
        return cases.map { ($0.0, [$0.1] + Array($0.2.utf8)) }
    }()

    static func reports() throws -> [(String, [UInt8])] {
        func traffic(_ version: String, _ requests: UInt64, _ errors: UInt64, index: [UInt32], count: [UInt64])
            -> Drover_V1_VersionTraffic
        {
            var traffic = Drover_V1_VersionTraffic()
            traffic.version = version
            traffic.requests = requests
            traffic.errors = errors
            traffic.latencyCount = count.reduce(0, &+)
            traffic.latencySumUs = requests &* 1_500
            traffic.latencyBucketIndex = index
            traffic.latencyBucketCount = count
            return traffic
        }
        func report(hostile: Bool) -> Drover_V1_HostReport {
            var report = Drover_V1_HostReport()
            report.sequence = hostile ? .max : 7
            report.collectedUnixMs = hostile ? .min : 1_800_000_000_000
            report.intervalMs = hostile ? .max : 5_000
            report.cpu.cores = hostile ? .max : 4
            report.cpu.usageBp = hostile ? .max : 2_500
            report.cpu.perCoreBp = hostile ? [.max, 0] : [2_000, 3_000, 2_500, 2_500]
            report.memory.totalBytes = hostile ? 1 : 8 << 30
            report.memory.usedBytes = hostile ? .max : 3 << 30
            report.memory.availableBytes = 5 << 30
            var disk = Drover_V1_DiskStats()
            disk.mountPoint = hostile ? "/\n# HELP fake\"\\" : "/"
            disk.device = "/dev/sda1"
            disk.fsType = "ext4"
            disk.totalBytes = hostile ? 1 : 100 << 30
            disk.usedBytes = hostile ? .max : 40 << 30
            disk.freeBytes = 60 << 30
            report.disks = [disk]
            report.load.load1Milli = hostile ? .max : 1_250
            report.uptimeSeconds = hostile ? .max : 86_400
            var net = Drover_V1_NetInterface()
            net.name = hostile ? "eth0\"} 1\nx{" : "eth0"
            net.rxBytes = .max
            report.net = [net]
            var before = Drover_V1_ServiceStatus()
            before.service = "web"
            before.version = "v1"
            before.canaryVersion = "v2"
            before.traffic = [traffic("v1", 100, 0, index: [10], count: [100]), traffic("v2", 10, 0, index: [12], count: [10])]
            var after = before
            after.traffic =
                hostile
                ? [
                    traffic("v1", .max, .max, index: [.max, 10, 10], count: [.max, .max, 1]),
                    traffic("v2", 1, .max, index: [1_183, 0], count: [.max, .max]),
                ]
                : [traffic("v1", 1_000, 2, index: [10, 40], count: [990, 10]), traffic("v2", 110, 5, index: [12], count: [110])]
            report.services = [before, after]
            return report
        }
        return [("report", try report(hostile: false).serializedBytes()), ("hostile", try report(hostile: true).serializedBytes())]
    }

    static func commands() throws -> [(String, [UInt8])] {
        var swap = Drover_V1_SwapPayload()
        swap.service = "web"
        swap.version = "v2"
        swap.engine = .docker
        swap.image = "localhost/web:v2"
        swap.env = ["GREETING": "hello"]
        swap.containerPort = 8080
        swap.publicPort = 80
        swap.instances = 2
        swap.health.http.path = "/health"
        swap.health.http.status = 200
        swap.health.intervalMs = 5_000
        swap.healthyDeadlineMs = 120_000
        swap.canary = true
        swap.canaryWeightBp = 1_000
        swap.stickiness.source = .cookie
        swap.stickiness.name = "drover_canary"
        var process = swap
        process.engine = .process
        process.command = ["/bin/sleep", "1000"]
        process.health.exec.command = ["/bin/true"]
        process.health.intervalMs = .max
        process.health.unhealthyThreshold = .max
        var weights = Drover_V1_WeightsPayload()
        weights.service = "web"
        weights.canaryVersion = "v2"
        weights.canaryWeightBp = 5_000
        var confirm = Drover_V1_ConfirmPayload()
        confirm.service = "web"
        confirm.version = "v2"
        func command(_ kind: Drover_V1_CommandKind, _ payload: some SwiftProtobuf.Message) throws -> [UInt8] {
            var command = Drover_V1_Command()
            command.id = "1b4e28ba-2fa1-11d2-883f-0016d3cca427"
            command.kind = kind
            command.deadlineUnixMs = .max
            command.attempt = 1
            command.payload = try payload.serializedData()
            return try command.serializedBytes()
        }
        return [
            ("swap", try command(.swap, swap)), ("rollback", try command(.rollback, process)),
            ("weights", try command(.setWeights, weights)), ("confirm", try command(.confirm, confirm)),
            ("stop", try command(.stop, swap)), ("swap-payload", try swap.serializedBytes()),
        ]
    }
}
