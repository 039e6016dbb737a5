import Synchronization

/// Sends requests through the proxy until stopped: one client on a single keep-alive
/// connection, one opening a new connection per request. Records every failure and the
/// version each answer came from, in order, per client.
public final class LoadGenerator: Sendable {
    public struct Record: Sendable {
        public var succeeded = 0
        public var failures: [String] = []
        /// Versions answered, per client, in order.
        public var versions: [String: [String]] = [:]
        /// How many answers each client had when ``mark()`` was called.
        public var marks: [String: Int] = [:]
    }

    public let host: String
    public let port: Int
    public let path: String
    public let record = Mutex(Record())
    /// Whether the keep-alive client runs (off for a TCP-mode proxy in front of a server that
    /// closes after each response: a connection is pinned to its backend there).
    public let keepAliveClient: Bool
    private let stopped = Atomic(false)

    public init(host: String, port: Int, path: String = "/", keepAliveClient: Bool = true) {
        self.host = host
        self.port = port
        self.path = path
        self.keepAliveClient = keepAliveClient
    }

    public var succeeded: Int { record.withLock { $0.succeeded } }
    public var failures: [String] { record.withLock { $0.failures } }
    public var versions: [String: [String]] { record.withLock { $0.versions } }

    /// How many answers came from `version`.
    public func count(_ version: String) -> Int {
        record.withLock { $0.versions.values.reduce(0) { $0 + $1.filter { $0 == version }.count } }
    }

    public func stop() { stopped.store(true, ordering: .relaxed) }

    /// Remembers where each client's answers stand (e.g. when a swap has finished).
    public func mark() {
        record.withLock { record in record.marks = record.versions.mapValues(\.count) }
    }

    /// Each client's answers since ``mark()``.
    public var versionsSinceMark: [String: [String]] {
        record.withLock { record in
            record.versions.reduce(into: [:]) { result, entry in
                result[entry.key] = Array(entry.value.dropFirst(record.marks[entry.key] ?? 0))
            }
        }
    }

    /// Runs the clients until ``stop()``.
    public func run() async {
        await withTaskGroup(of: Void.self) { group in
            if keepAliveClient { group.addTask { await self.keepAlive() } }
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
    /// The text without trailing newlines.
    public var trimmingSuffixNewlines: String {
        var text = self
        while text.last?.isNewline == true { text.removeLast() }
        return text
    }
}
