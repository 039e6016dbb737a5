import Synchronization

/// Sends requests through the proxy until stopped: one client on a single keep-alive
/// connection, one opening a new connection per request. Records every failure and the
/// version each answer came from, in order, per client.
final class LoadGenerator: Sendable {
    struct Record: Sendable {
        var succeeded = 0
        var failures: [String] = []
        /// Versions answered, per client, in order.
        var versions: [String: [String]] = [:]
    }

    let host: String
    let port: Int
    let path: String
    let record = Mutex(Record())
    private let stopped = Atomic(false)

    init(host: String, port: Int, path: String = "/") {
        self.host = host
        self.port = port
        self.path = path
    }

    var succeeded: Int { record.withLock { $0.succeeded } }
    var failures: [String] { record.withLock { $0.failures } }
    var versions: [String: [String]] { record.withLock { $0.versions } }

    /// How many answers came from `version`.
    func count(_ version: String) -> Int {
        record.withLock { $0.versions.values.reduce(0) { $0 + $1.filter { $0 == version }.count } }
    }

    func stop() { stopped.store(true, ordering: .relaxed) }

    /// Runs both clients until ``stop()``.
    func run() async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.keepAlive() }
            group.addTask { await self.freshConnections() }
        }
    }

    private func note(_ client: String, _ response: TestHTTPClient.Response) {
        record.withLock { record in
            if response.status == 200 {
                record.succeeded += 1
                record.versions[client, default: []].append(response.body.trimmingSuffixNewlines)
            } else {
                record.failures.append("\(client): status \(response.status) \(response.body)")
            }
        }
    }

    private func fail(_ client: String, _ error: any Error) {
        record.withLock { $0.failures.append("\(client): \(error)") }
    }

    private func keepAlive() async {
        while !stopped.load(ordering: .relaxed) {
            do {
                try await withHTTPClient(host: host, port: port) { client in
                    while !stopped.load(ordering: .relaxed) {
                        note("keep-alive", try await client.get(path))
                    }
                }
            } catch {
                fail("keep-alive", error)
            }
        }
    }

    private func freshConnections() async {
        while !stopped.load(ordering: .relaxed) {
            do {
                note("fresh", try await withHTTPClient(host: host, port: port) { try await $0.get(path, close: true) })
            } catch {
                fail("fresh", error)
            }
        }
    }
}

extension String {
    var trimmingSuffixNewlines: String {
        var text = self
        while text.last?.isNewline == true { text.removeLast() }
        return text
    }
}
