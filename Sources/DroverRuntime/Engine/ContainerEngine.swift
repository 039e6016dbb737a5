/// A way to run one instance of a service on this host: a container engine or a supervised process.
///
/// Every engine has the same lifecycle: ``ensureImage(_:)`` (containers only), ``create(_:)``,
/// ``start(_:)``, ``inspect(_:)``, ``stop(_:grace:)``, ``remove(_:)``. Instances carry
/// ``DroverLabels`` so that ``list(labels:)`` finds them again after the agent restarts.
public protocol ContainerEngine: Sendable {
    /// Makes sure `reference` is available locally, pulling it when it is missing.
    ///
    /// Throws ``ContainerEngineError/pullFailed(image:message:)`` when the registry cannot be
    /// reached or does not have the image. Engines without images accept any reference.
    func ensureImage(_ reference: String) async throws(ContainerEngineError)

    /// Creates (but does not start) an instance; returns its engine-specific id.
    func create(_ spec: InstanceSpec) async throws(ContainerEngineError) -> InstanceID

    /// Starts a created instance.
    func start(_ id: InstanceID) async throws(ContainerEngineError)

    /// The instance's current state, exit code and published host port.
    func inspect(_ id: InstanceID) async throws(ContainerEngineError) -> InstanceStatus

    /// Asks the instance to stop (SIGTERM) and kills it when it is still running after `grace`.
    func stop(_ id: InstanceID, grace: Duration) async throws(ContainerEngineError)

    /// Removes a stopped instance and what the engine kept for it.
    func remove(_ id: InstanceID) async throws(ContainerEngineError)

    /// Drover's instances (``DroverLabels/managed``) whose labels include every pair in `labels`.
    func list(labels: [String: String]) async throws(ContainerEngineError) -> [InstanceStatus]

    /// Runs `command` in the instance's context (inside the container, or on the host with the
    /// instance's environment) and returns its exit code; kills it after `timeout`.
    func execute(_ id: InstanceID, command: [String], timeout: Duration) async throws(ContainerEngineError) -> Int32
}
