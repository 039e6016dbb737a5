/// How much history the controller keeps: audit entries and events, each by count and by age.
///
/// Defaults: 100,000 audit entries or 90 days, 100,000 events or 30 days, pruned every
/// 10 minutes (and once at start). Audit entries are kept longer than events: they answer
/// "who did this?" weeks later; events are operational detail.
public struct RetentionPolicy: Sendable, Equatable {
    /// Most audit entries kept.
    public var auditMaxRows: Int = 100_000
    /// Oldest audit entry kept.
    public var auditMaxAge: Duration = .seconds(90 * 86_400)
    /// Most events kept.
    public var eventsMaxRows: Int = 100_000
    /// Oldest event kept.
    public var eventsMaxAge: Duration = .seconds(30 * 86_400)
    /// How often the tables are pruned.
    public var pruneInterval: Duration = .seconds(600)

    /// The defaults above.
    public init() {}
}
