/// The operation did not finish within its time limit.
public struct DeadlineExceeded: Error, CustomStringConvertible, Sendable {
    /// What timed out.
    public let what: String
    /// The limit.
    public let after: Duration

    /// Creates the error.
    public init(what: String, after: Duration) {
        self.what = what
        self.after = after
    }

    public var description: String { "\(what) timed out after \(after)" }
}

/// Runs `operation`, cancelling it and throwing ``DeadlineExceeded`` after `timeout`.
public func withDeadline<T: Sendable>(
    _ timeout: Duration,
    what: String,
    _ operation: @escaping @Sendable () async throws -> T
) async throws -> T {
    try await withThrowingTaskGroup(of: T.self) { group in
        group.addTask { try await operation() }
        group.addTask {
            try await Task.sleep(for: timeout)
            throw DeadlineExceeded(what: what, after: timeout)
        }
        defer { group.cancelAll() }
        guard let result = try await group.next() else { throw DeadlineExceeded(what: what, after: timeout) }
        return result
    }
}
