import DroverSession
import DroverWire
import Testing

@Suite struct HelloPolicyTests {
    func hello(_ min: UInt32, _ max: UInt32, _ capabilities: [String] = []) -> Drover_V1_Hello {
        var hello = Drover_V1_Hello()
        hello.minVersion = min
        hello.maxVersion = max
        hello.capabilities = capabilities
        hello.agentVersion = "9.9.9"
        return hello
    }

    @Test func picksTheHighestCommonVersionAndIntersectsCapabilities() throws {
        let server = ServerHelloPolicy(minVersion: 1, maxVersion: 3, capabilities: ["zlib", "command-progress"])
        let (welcome, session) = try server.negotiate(hello(2, 5, ["zlib", "future-thing"]), hostID: "h-1").get()
        #expect(welcome.version == 3)
        #expect(welcome.capabilities == ["zlib"])
        #expect(welcome.hostID == "h-1")
        #expect(session.compression)
        #expect(session.peerVersion == "9.9.9")
    }

    @Test func welcomeAnnouncesLimitsAndHeartbeat() throws {
        let limits = WireLimits(maxFrameSize: 1 << 20, maxDecompressedSize: 1 << 22, maxInFlight: 16)
        let server = ServerHelloPolicy(limits: limits, heartbeatInterval: .seconds(2))
        let (welcome, _) = try server.negotiate(hello(1, 1), hostID: "").get()
        #expect(welcome.maxFrameSize == 1 << 20)
        #expect(welcome.maxDecompressedSize == 1 << 22)
        #expect(welcome.maxInFlight == 16)
        #expect(welcome.heartbeatIntervalMs == 2000)

        let accepted = try ClientHelloPolicy().accept(welcome).get()
        #expect(accepted.limits.maxFrameSize == 1 << 20)
        #expect(accepted.limits.maxInFlight == 16)
        #expect(accepted.heartbeatInterval == .seconds(2))
        #expect(!accepted.compression)  // that Hello offered no capabilities, so none were agreed
    }

    @Test func disjointVersionRangesAreUnsupported() {
        let server = ServerHelloPolicy(minVersion: 1, maxVersion: 1)
        guard case .failure(let error) = server.negotiate(hello(2, 4), hostID: "") else {
            Issue.record("expected a failure")
            return
        }
        #expect(error.code == .unsupportedVersion)
        #expect(error.isFatal)
    }

    @Test func invertedRangeIsAProtocolViolation() {
        guard case .failure(let error) = ServerHelloPolicy().negotiate(hello(3, 1), hostID: "") else {
            Issue.record("expected a failure")
            return
        }
        #expect(error.code == .protocolViolation)
    }

    @Test func clientRejectsAVersionOutsideItsRangeAndDropsUnofferedCapabilities() throws {
        var welcome = Drover_V1_Welcome()
        welcome.version = 2
        #expect(throws: SessionError.self) { try ClientHelloPolicy().accept(welcome).get() }

        welcome.version = 1
        welcome.capabilities = ["zlib", "never-offered"]
        let session = try ClientHelloPolicy(capabilities: ["zlib"]).accept(welcome).get()
        #expect(session.capabilities == ["zlib"])
        #expect(session.limits == .default)  // zero fields mean defaults
        #expect(session.heartbeatInterval == .seconds(5))
    }
}
