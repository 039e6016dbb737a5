/// Limits announced in a `Welcome`.
extension WireLimits {
    /// The limits a controller announced; fields left at 0 keep the protocol defaults.
    public init(welcome: Drover_V1_Welcome, compressionThreshold: Int = WireLimits.default.compressionThreshold) {
        let d = WireLimits.default
        self.init(
            maxFrameSize: welcome.maxFrameSize == 0 ? d.maxFrameSize : Int(welcome.maxFrameSize),
            maxDecompressedSize: welcome.maxDecompressedSize == 0 ? d.maxDecompressedSize : Int(welcome.maxDecompressedSize),
            maxInFlight: welcome.maxInFlight == 0 ? d.maxInFlight : Int(welcome.maxInFlight),
            compressionThreshold: compressionThreshold
        )
    }
}
