/// The label keys that mark an instance as Drover's and say what it runs.
public enum DroverLabels {
    /// Present (`"true"`) on every instance Drover creates; ``ContainerEngine/list(labels:)`` filters on it.
    public static let managed = "drover.managed"
    /// The service name.
    public static let service = "drover.service"
    /// The service version the instance runs.
    public static let version = "drover.version"
    /// The instance's name within the service.
    public static let instance = "drover.instance"
}
