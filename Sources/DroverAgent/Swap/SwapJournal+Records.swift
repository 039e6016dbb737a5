extension SwapJournal {
    /// One instance the journal knows: the engine's id, its name and the loopback port it serves.
    public struct Instance: Sendable, Equatable, Codable {
        /// The engine's id.
        public var id: String
        /// The engine-level name (the process engine's id; a container's name).
        public var name: String
        /// The host port the proxy forwards to.
        public var port: Int

        /// An instance record.
        public init(id: String, name: String, port: Int) {
            self.id = id
            self.name = name
            self.port = port
        }
    }

    /// A version deployed on this host, with the order that produced it.
    public struct Deployment: Sendable, Equatable, Codable {
        /// The version.
        public var version: String
        /// The order that produced it (run again to recreate or revert to it).
        public var order: SwapOrder
        /// Its instances.
        public var instances: [Instance]

        /// A deployment.
        public init(version: String, order: SwapOrder, instances: [Instance]) {
            self.version = version
            self.order = order
            self.instances = instances
        }
    }

    /// A swap under way, written before each of its steps.
    public struct InProgress: Sendable, Equatable, Codable {
        /// The command.
        public var commandID: String
        /// The version being deployed.
        public var targetVersion: String
        /// The order being carried out.
        public var order: SwapOrder
        /// The step under way.
        public var step: SwapStep
        /// Names of instances about to be created (written before the engine call, so an
        /// instance whose creation was cut short is still found and removed).
        public var planned: [String]
        /// Instances this swap created.
        public var created: [Instance]
        /// Kept instances of ``previous`` this swap started again (a revert); stopped, never
        /// removed, when it fails.
        public var reused: [Instance]

        /// A swap that has just been accepted.
        public init(commandID: String, order: SwapOrder) {
            self.commandID = commandID
            self.targetVersion = order.version
            self.order = order
            self.step = .accepted
            self.planned = []
            self.created = []
            self.reused = []
        }

        /// The new instances, reused ones first.
        public var instances: [Instance] { reused + created }
    }

    /// Everything the agent knows about one service.
    public struct ServiceRecord: Sendable, Equatable, Codable {
        /// The version serving traffic.
        public var current: Deployment?
        /// The version it replaced, its instances kept stopped for a fast rollback.
        public var previous: Deployment?
        /// The last version the controller confirmed, with its order.
        public var knownGood: Deployment?
        /// The swap under way.
        public var swap: InProgress?
        /// The canary running beside ``current``, once its swap has finished.
        public var canary: Canary?

        /// An empty record.
        public init(
            current: Deployment? = nil, previous: Deployment? = nil, knownGood: Deployment? = nil,
            swap: InProgress? = nil, canary: Canary? = nil
        ) {
            self.current = current
            self.previous = previous
            self.knownGood = knownGood
            self.swap = swap
            self.canary = canary
        }

        /// The stickiness in force: the canary's order's when a canary runs, else the current one's.
        public var stickiness: Stickiness? {
            canary?.deployment.order.stickiness ?? (canary == nil ? current?.order.stickiness : nil)
        }
    }

    /// A canary: a version running beside the current one with a share of the traffic.
    public struct Canary: Sendable, Equatable, Codable {
        /// The canary's version, order and instances.
        public var deployment: Deployment
        /// Its share of the traffic in basis points (the current version gets the rest).
        public var weight: Int

        /// A canary.
        public init(deployment: Deployment, weight: Int) {
            self.deployment = deployment
            self.weight = weight
        }
    }

    /// What the journal remembers of one command.
    public struct Command: Sendable, Equatable, Codable {
        /// Whether the command still runs.
        public enum Status: String, Sendable, Hashable, Codable {
            case running, succeeded, failed
        }

        /// The service it swaps.
        public var service: String
        /// The version it deploys.
        public var version: String
        /// Running, succeeded or failed (failed includes timed out and cancelled).
        public var status: Status
        /// The exact outcome once finished.
        public var outcome: SwapResult.Outcome?
        /// The result message once finished.
        public var message: String
        /// The result details once finished.
        public var details: [String: String]
        /// When it was accepted, Unix milliseconds.
        public var startedUnixMs: Int64
        /// When it finished, Unix milliseconds.
        public var finishedUnixMs: Int64?

        /// The result, once the command has finished.
        public var result: SwapResult? {
            guard let outcome, let finishedUnixMs else { return nil }
            return SwapResult(
                outcome: outcome, message: message, startedUnixMs: startedUnixMs, finishedUnixMs: finishedUnixMs,
                details: details)
        }
    }
}
