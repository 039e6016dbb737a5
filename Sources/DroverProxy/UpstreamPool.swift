/// Idle keep-alive connections to backends, per backend, on one event loop.
///
/// Last in, first out: the warmest connection is reused, and surplus ones at the bottom of
/// the stack are the ones backends time out.
final class UpstreamPool {
    private var idle: [String: [UpstreamHTTPHandler]] = [:]
    private let maxIdlePerBackend: Int

    init(maxIdlePerBackend: Int) {
        self.maxIdlePerBackend = maxIdlePerBackend
    }

    /// An idle connection to the backend, if one is open.
    func take(backendID: String) -> UpstreamHTTPHandler? {
        while let connection = idle[backendID]?.popLast() {
            if connection.isActive { return connection }
        }
        return nil
    }

    /// Keeps a connection whose exchange finished cleanly for the next request (or closes it
    /// when the pool is full).
    func release(_ connection: UpstreamHTTPHandler) {
        var list = idle[connection.backendID] ?? []
        guard connection.isActive, list.count < maxIdlePerBackend else {
            connection.close()
            return
        }
        list.append(connection)
        idle[connection.backendID] = list
        // A read held back for a slow client must go on, or a backend's close would go unseen.
        connection.resumeReading()
    }

    /// Forgets a connection that closed while idle.
    func remove(_ connection: UpstreamHTTPHandler) {
        idle[connection.backendID]?.removeAll { $0 === connection }
    }

    /// Number of idle connections to a backend.
    func idleCount(backendID: String) -> Int {
        idle[backendID]?.count ?? 0
    }

    /// Closes the idle connections of the backends `matching` selects.
    func closeIdle(matching: (String) -> Bool) {
        for backendID in Array(idle.keys) where matching(backendID) {
            // Removed first: closing re-enters `remove` from channelInactive.
            for connection in idle.removeValue(forKey: backendID) ?? [] { connection.close() }
        }
    }
}
