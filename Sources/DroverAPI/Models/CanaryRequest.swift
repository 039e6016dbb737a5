/// The body of `POST /v1/services/{name}/canary`: set the canary's share by hand, promote, or abort.
///
/// `{"percent": 50}` sets the weight on every canary host now and holds it until the next
/// command; `{"action": "promote"}` makes the new version the only one (blue-green: switches
/// now); `{"action": "abort"}` sends every host back to stable only.
public struct CanaryRequest: Codable, Sendable, Equatable {
    /// What to do.
    public enum Action: String, Codable, Sendable, Equatable, CaseIterable {
        /// Set the weight to ``CanaryRequest/percent``.
        case setWeight = "set-weight"
        /// Promote the new version.
        case promote
        /// Back to stable.
        case abort
    }

    /// What to do; `set-weight` when absent and `percent` is given.
    public var action: Action?
    /// The canary's share of the traffic, 0–100 (up to two decimals).
    public var percent: Double?

    /// A request.
    public init(action: Action? = nil, percent: Double? = nil) {
        self.action = action
        self.percent = percent
    }

    /// The action this request asks for, or why it is not a valid request.
    public func resolved() -> Result<Action, CanaryRequestError> {
        switch (action, percent) {
        case (nil, nil): .failure(CanaryRequestError("give percent (0–100) or action (promote or abort)"))
        case (nil, .some(let percent)), (.setWeight, .some(let percent)):
            percent.isFinite && (0...100).contains(percent)
                ? .success(.setWeight) : .failure(CanaryRequestError("percent must be from 0 to 100, got \(percent)"))
        case (.setWeight, nil): .failure(CanaryRequestError("set-weight needs percent (0–100)"))
        case (.some(let action), .some): .failure(CanaryRequestError("\(action.rawValue) takes no percent"))
        case (.some(let action), nil): .success(action)
        }
    }
}

/// Why a ``CanaryRequest`` is not valid.
public struct CanaryRequestError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The reason.
    public var description: String

    init(_ description: String) {
        self.description = description
    }
}
