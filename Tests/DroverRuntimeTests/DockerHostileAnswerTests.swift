import Testing

@testable import DroverRuntime

/// Docker Engine answers with numbers out of every range: typed errors or skipped fields.
@Suite struct DockerHostileAnswerTests {
    @Test func hostPortsOutsideTheRangeAreSkipped() {
        let ports: [String: [DockerAPI.PortBinding]?] = [
            "1/tcp": [DockerAPI.PortBinding(HostIp: nil, HostPort: "99999999999999999999999")],
            "2/tcp": [DockerAPI.PortBinding(HostIp: nil, HostPort: "70000"), DockerAPI.PortBinding(HostPort: "-1")],
            "3/tcp": nil,
            "4/tcp": [DockerAPI.PortBinding(HostIp: nil, HostPort: "18080")],
        ]
        #expect(DockerEngine.firstHostPort(ports) == 18080)
        #expect(DockerEngine.firstHostPort(["1/tcp": [DockerAPI.PortBinding(HostPort: "65536")]]) == nil)
    }

    @Test func exitCodesThatAreNotInt32AreATypedError() {
        for code in ["1e300", "99999999999", "-2147483649", "1.5", "NaN", "\"x\""] {
            let body = """
                {"Id": "c1", "Name": "/web", "State": {"Status": "exited", "Running": false, "ExitCode": \(code)},
                 "Config": {}}
                """
            #expect(throws: ContainerEngineError.self, "ExitCode \(code)") {
                _ = try DockerEngine.decode(
                    DockerAPI.ContainerInspect.self, from: HTTPAnswer(status: 200, body: Array(body.utf8)))
            }
        }
    }
}
