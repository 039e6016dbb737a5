/// `GET /v1/hosts/{idOrName}`: the summary plus mounts, enrollment facts and history.
public struct HostDetail: Codable, Sendable, Equatable {
    /// One mounted file system from the latest report.
    public struct Mount: Codable, Sendable, Equatable {
        /// Mount point, e.g. `/`.
        public var mountpoint: String
        /// Device, e.g. `/dev/sda1`.
        public var device: String
        /// File system type.
        public var fsType: String
        /// Size, bytes.
        public var totalBytes: UInt64
        /// Used, bytes.
        public var usedBytes: UInt64
        /// Available to unprivileged users, bytes.
        public var freeBytes: UInt64

        enum CodingKeys: String, CodingKey {
            case mountpoint, device
            case fsType = "fs_type"
            case totalBytes = "total_bytes"
            case usedBytes = "used_bytes"
            case freeBytes = "free_bytes"
        }

        /// Creates a mount.
        public init(
            mountpoint: String, device: String, fsType: String, totalBytes: UInt64, usedBytes: UInt64, freeBytes: UInt64
        ) {
            self.mountpoint = mountpoint
            self.device = device
            self.fsType = fsType
            self.totalBytes = totalBytes
            self.usedBytes = usedBytes
            self.freeBytes = freeBytes
        }
    }

    /// One history point.
    public struct Point: Codable, Sendable, Equatable {
        /// When, Unix milliseconds.
        public var at: Int64
        /// CPU busy percent.
        public var cpuPercent: Double
        /// Memory in use, bytes.
        public var memoryUsedBytes: UInt64
        /// The fullest file system, percent.
        public var diskMaxPercent: Double
        /// 1-minute load average.
        public var load1: Double

        enum CodingKeys: String, CodingKey {
            case at, load1
            case cpuPercent = "cpu_percent"
            case memoryUsedBytes = "memory_used_bytes"
            case diskMaxPercent = "disk_max_percent"
        }

        /// Creates a point.
        public init(at: Int64, cpuPercent: Double, memoryUsedBytes: UInt64, diskMaxPercent: Double, load1: Double) {
            self.at = at
            self.cpuPercent = cpuPercent
            self.memoryUsedBytes = memoryUsedBytes
            self.diskMaxPercent = diskMaxPercent
            self.load1 = load1
        }
    }

    /// The same figures as in the list.
    public var host: HostSummary
    /// Enrollment time, Unix milliseconds (0 when the store does not know the host).
    public var enrolledAtMs: Int64
    /// SHA-256 fingerprint of the current certificate.
    public var certFingerprint: String?
    /// Logical CPUs.
    public var cpuCores: UInt32?
    /// Seconds since boot.
    public var uptimeSeconds: UInt64?
    /// File systems from the latest report.
    public var mounts: [Mount]
    /// History points, oldest first (the last hour unless `?since_seconds=` says otherwise).
    public var history: [Point]

    enum CodingKeys: String, CodingKey {
        case host, mounts, history
        case enrolledAtMs = "enrolled_at_ms"
        case certFingerprint = "cert_fingerprint"
        case cpuCores = "cpu_cores"
        case uptimeSeconds = "uptime_seconds"
    }

    /// Creates a detail.
    public init(
        host: HostSummary, enrolledAtMs: Int64, certFingerprint: String?, cpuCores: UInt32?, uptimeSeconds: UInt64?,
        mounts: [Mount], history: [Point]
    ) {
        self.host = host
        self.enrolledAtMs = enrolledAtMs
        self.certFingerprint = certFingerprint
        self.cpuCores = cpuCores
        self.uptimeSeconds = uptimeSeconds
        self.mounts = mounts
        self.history = history
    }
}
