import DroverRuntime
import Testing

@Suite struct InstanceSpecTests {
    let spec = InstanceSpec(
        name: "web-v1-0", service: "web", version: "v1", instance: "web-0",
        workload: .image("localhost/drover-test/web:v1"), extraLabels: ["team": "ops", DroverLabels.service: "spoofed"])

    @Test func labelsCarryTheDroverKeysAndTheyWin() {
        #expect(
            spec.labels == [
                "team": "ops", "drover.managed": "true", "drover.service": "web", "drover.version": "v1",
                "drover.instance": "web-0",
            ])
    }

    @Test func namesMustBeSafeIdentifiers() throws {
        try spec.validate()
        for bad in ["", "../etc", "a/b", ".hidden", "-x", "has space", String(repeating: "a", count: 129)] {
            var copy = spec
            copy.name = bad
            #expect(throws: ContainerEngineError.self) { try copy.validate() }
        }
    }

    @Test func commandsMustNotBeEmptyAndPortsMustBeInRange() {
        var copy = spec
        copy.workload = .command([])
        #expect(throws: ContainerEngineError.self) { try copy.validate() }
        copy = spec
        copy.port = PortMapping(containerPort: 8080, hostPort: 70000)
        #expect(throws: ContainerEngineError.self) { try copy.validate() }
    }
}
