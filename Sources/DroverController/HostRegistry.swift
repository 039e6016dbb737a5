import DroverWire
import NIOConcurrencyHelpers

/// The controller's live connections: which hosts have a session, and a way to tell every
/// connection to close (graceful shutdown) or one host's old session that a newer one replaced it.
public final class HostRegistry: Sendable {
    /// One registered connection.
    public struct Entry: Sendable {
        /// Registry-assigned id of the connection.
        public let connectionID: UInt64
        /// The host, once authenticated and established; nil for enrollment and pending connections.
        public var hostID: String?
        /// The address the agent connected from.
        public var address: String
        /// Asks the connection to close gracefully with a reason (any thread).
        let shutdown: @Sendable (String) -> Void
        /// Asks the connection to send a command to its agent (any thread).
        let command: @Sendable (Drover_V1_Command) -> Void
    }

    private struct State {
        var nextID: UInt64 = 1
        var connections: [UInt64: Entry] = [:]
        var closing = false
    }

    private let state = NIOLockedValueBox(State())

    /// The shutdown reason given to a session replaced by a newer one of the same host.
    public static let replacedReason = "replaced by a newer session of the same host"

    /// The shutdown reason given to every session when the controller stops.
    public static let shutdownReason = "controller shutting down"

    /// An empty registry.
    public init() {}

    /// Registers a new connection; returns its id, or nil if the controller is shutting down.
    ///
    /// - Parameters:
    ///   - shutdown: asks the connection to close gracefully with a reason.
    ///   - command: asks the connection to send a command to its agent.
    public func register(
        address: String,
        shutdown: @escaping @Sendable (String) -> Void,
        command: @escaping @Sendable (Drover_V1_Command) -> Void = { _ in }
    ) -> UInt64? {
        state.withLockedValue { state -> UInt64? in
            guard !state.closing else { return nil }
            let id = state.nextID
            state.nextID += 1
            state.connections[id] = Entry(connectionID: id, hostID: nil, address: address, shutdown: shutdown, command: command)
            return id
        }
    }

    /// Marks connection `id` as the session of `hostID`; an older session of the same host is
    /// told to close (the agent reconnected, the old connection is stale).
    public func establish(_ id: UInt64, hostID: String) {
        let stale = state.withLockedValue { state -> [Entry] in
            let old = state.connections.values.filter { $0.hostID == hostID && $0.connectionID != id }
            for entry in old { state.connections[entry.connectionID]?.hostID = nil }
            state.connections[id]?.hostID = hostID
            return old
        }
        for entry in stale { entry.shutdown(Self.replacedReason) }
    }

    /// Forgets connection `id`.
    public func remove(_ id: UInt64) {
        _ = state.withLockedValue { $0.connections.removeValue(forKey: id) }
    }

    /// Host ids with an established session, sorted.
    public var connectedHostIDs: [String] {
        state.withLockedValue { $0.connections.values.compactMap(\.hostID) }.sorted()
    }

    /// Number of open connections (any kind).
    public var connectionCount: Int { state.withLockedValue { $0.connections.count } }

    /// Tells the established session of `hostID`, if any, to close with `reason`.
    ///
    /// - Returns: whether a session was open.
    @discardableResult
    public func disconnect(hostID: String, reason: String) -> Bool {
        let entries = state.withLockedValue { state in state.connections.values.filter { $0.hostID == hostID } }
        for entry in entries { entry.shutdown(reason) }
        return !entries.isEmpty
    }

    /// Queues `command` on the established session of `hostID`.
    ///
    /// - Returns: whether the host has a session (delivery is not confirmed: the agent's ack is).
    public func send(_ command: Drover_V1_Command, to hostID: String) -> Bool {
        let entry = state.withLockedValue { state in state.connections.values.first { $0.hostID == hostID } }
        guard let entry else { return false }
        entry.command(command)
        return true
    }

    /// Refuses new connections and tells every open one to close with `reason`.
    public func closeAll(reason: String) {
        let entries = state.withLockedValue { state -> [Entry] in
            state.closing = true
            return Array(state.connections.values)
        }
        for entry in entries { entry.shutdown(reason) }
    }
}

extension HostRegistry: CommandDispatcher {}
