/// The body of `POST /v1/deploys`: one service spec, as the operator wrote it.
public struct DeployRequest: Codable, Sendable, Equatable {
    /// The spec's YAML text.
    public var spec: String
    /// The file it came from, named in validation errors (e.g. `web.yaml`).
    public var file: String

    /// A request for `spec` read from `file`.
    public init(spec: String, file: String) {
        self.spec = spec
        self.file = file
    }
}

/// The body of `POST /v1/services/{name}/rollback`.
public struct RollbackRequest: Codable, Sendable, Equatable {
    /// The version to return to; `nil` means the service's previous version.
    public var to: String?

    /// A request to roll back to `to` (or the previous version).
    public init(to: String? = nil) {
        self.to = to
    }
}
