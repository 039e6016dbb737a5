import DroverAPI
import DroverController
import Foundation
import Testing

@Suite("Rollout control adapter")
struct RolloutControlAdapterTests {
    func error(_ body: () async throws -> Void) async -> RolloutControlError? {
        do {
            try await body()
            return nil
        } catch let error as RolloutControlError {
            return error
        } catch {
            Issue.record("unexpected error \(error)")
            return nil
        }
    }

    @Test("calls reach the coordinator and refusals map to the API's errors")
    func mapping() async throws {
        let harness = try CoordinatorHarness()
        let control = RolloutControlAdapter(harness.coordinator)
        let invalid = await error { _ = try await control.deploy(DeployRequest(spec: "name: web\n", file: "web.yaml")) }
        guard case .invalidSpec(let problems) = invalid else {
            Issue.record("expected invalidSpec, got \(String(describing: invalid))")
            return
        }
        #expect(problems.contains { $0.hasPrefix("web.yaml") && $0.contains("ports") })
        let budget = await error {
            _ = try await control.deploy(DeployRequest(
                spec: webSpec("v1").replacingOccurrences(of: "min_healthy_time: 10s", with: "drain_timeout: 10m"),
                file: "web.yaml"))
        }
        #expect(budget.map { if case .refused = $0 { true } else { false } } == true)

        let summary = try await control.deploy(DeployRequest(spec: webSpec("v1"), file: "web.yaml"))
        #expect(summary.phase == "running")
        #expect(try await control.rollouts(service: "web").map(\.id) == [summary.id])
        #expect(try await control.rollouts(service: "api").isEmpty)
        #expect(try await control.act(on: summary.id, action: .pause).phase == "paused")
        let second = await error { _ = try await control.deploy(DeployRequest(spec: webSpec("v2"), file: "web.yaml")) }
        #expect(second.map { if case .conflict = $0 { true } else { false } } == true)
        #expect(try await control.rollout(id: summary.id).hosts.count == 3)
        #expect(try await control.services().map(\.activeRollout) == [summary.id])
        #expect(try await control.history(service: "web").versions.map(\.version) == ["v1"])
        #expect(await error { _ = try await control.rollout(id: "r-none") } == .notFound("no rollout r-none"))
        #expect(await error { _ = try await control.history(service: "api") } == .notFound("no service api; deploy it first"))
        #expect(try await control.act(on: summary.id, action: .abort).phase == "aborted")
    }
}
