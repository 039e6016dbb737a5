import DroverAgent
import DroverSession
import DroverTLS

/// Enrolls stand-in hosts through the real enrollment protocol: one shared join token, each
/// host its own key, CSR and certificate, `concurrency` enrollments in flight.
struct FleetEnrollment {
    let port: Int
    let pin: String
    let token: String
    let addresses: Int
    let concurrency: Int
    let labels: [String: String]

    /// Enrolls hosts `sim-0` … `sim-(count-1)`; their identities, in that order.
    func enroll(count: Int, progress: (String) -> Void) async throws -> [AgentIdentity] {
        let caPin = try CAPin(parsing: pin)
        let logger = DroverLogger(label: "bench.enroll", minimumLevel: .error)
        let (port, token, addresses, labels) = (self.port, self.token, self.addresses, self.labels)
        return try await withThrowingTaskGroup(of: (Int, AgentIdentity).self) { group in
            var identities = [AgentIdentity?](repeating: nil, count: count)
            var next = 0
            func addNext() {
                let index = next
                next += 1
                let configuration = AgentConfiguration(
                    controllerHost: "127.0.0.1", controllerPort: port, stateDirectory: "/nonexistent",
                    name: "sim-\(index)", labels: labels, bindAddress: "127.0.0.\(2 + index % addresses)",
                    serverName: FleetController.serverName)
                group.addTask {
                    let enroller = Enroller(configuration: configuration, logger: logger)
                    var attempt = 0
                    while true {
                        do {
                            return (index, try await enroller.enroll(token: token, pin: caPin))
                        } catch let error as AgentError {
                            throw error
                        } catch {
                            attempt += 1
                            if attempt >= 5 { throw error }
                            try await Task.sleep(for: .milliseconds(200 * attempt))
                        }
                    }
                }
            }
            while next < min(concurrency, count) { addNext() }
            var done = 0
            while let (index, identity) = try await group.next() {
                identities[index] = identity
                done += 1
                if done % 1_000 == 0 { progress("enrolled \(done)/\(count)") }
                if next < count { addNext() }
            }
            return identities.map { $0! }
        }
    }
}
