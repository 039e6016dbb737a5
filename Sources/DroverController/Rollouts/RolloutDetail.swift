import DroverRollout

/// Everything about one rollout: the summary, each host, batches, deadlines, the progress log
/// and the rollback's "why".
public struct RolloutDetail: Sendable, Equatable, Codable {
    /// One target host.
    public struct Host: Sendable, Equatable, Codable {
        /// The host's id.
        public var id: String
        /// The host's name (its id when unknown).
        public var name: String
        /// `pending`, `swapping`, `stabilizing`, `updated`, `reverting`, `reverted` or `stuck`.
        public var status: String
        /// The version it runs or is being moved to.
        public var version: String
        /// Commands issued to it.
        public var attempts: Int
        /// Revert commands issued in the current rollback.
        public var revertAttempts: Int
        /// The current command's id.
        public var commandID: String?
        /// Whether the controller lost contact with it.
        public var lost: Bool
        /// When the current command was issued.
        public var dispatchedAt: Int64?
        /// When its new instance became healthy.
        public var healthySince: Int64?
        /// When its swap counts as failed if it is not done (`healthy_deadline`).
        public var deadlineAt: Int64?
    }

    /// One line of the progress log.
    public struct Progress: Sendable, Equatable, Codable {
        /// When, Unix milliseconds.
        public var at: Int64
        /// The host concerned, if one is.
        public var host: String?
        /// What happened.
        public var message: String
    }

    /// The list view.
    public var summary: RolloutSummary
    /// Target hosts in plan order.
    public var hosts: [Host]
    /// Hosts in flight at once.
    public var maxParallel: Int
    /// The plan's batches: hosts in order, `maxParallel` at a time (a slot frees as soon as a
    /// host is done, so batches overlap in practice).
    public var batches: [[String]]
    /// When the rollout fails if no host finishes (`progress_deadline`), while running.
    public var progressDeadlineAt: Int64?
    /// When a running rollback fails if hosts are not back (the hard 5-minute bound).
    public var rollbackDeadlineAt: Int64?
    /// What happened, oldest first (this controller run; the event log keeps it for good).
    public var progress: [Progress]
    /// Why it rolled back (or failed), and what was done.
    public var why: RollbackReport?
}
