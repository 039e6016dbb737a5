/// Version numbers shared by every Drover binary.
public enum DroverVersion {
    /// The software release, printed by `--version` and sent in Hello/Welcome.
    public static let software = "0.1.0"

    /// The wire protocol version this build speaks (see `Protocol/README.md`).
    public static let protocolVersion: UInt32 = 1

    /// The ALPN identifier of the mutual-TLS agent protocol.
    public static let alpn = "drover/1"

    /// The ALPN identifier of the server-authenticated enrollment protocol.
    public static let enrollmentALPN = "drover-enroll/1"
}
