import Foundation
import Testing

/// `drover-agent`'s router flags: wrong combinations are refused before anything starts, with
/// a message naming the flag (exit 2, as for every configuration error).
@Suite("drover-agent router flags")
struct AgentRouterFlagsTests {
    @Test(
        "bad router flags are refused with a clear message",
        arguments: [
            (["--router", "nginx"], "--router must be embedded or haproxy, got nginx"),
            (["--haproxy-socket", "/run/haproxy/admin.sock"], "--haproxy-socket and --haproxy-backend-prefix need --router haproxy"),
            (["--router", "haproxy", "--proxy-address", "127.0.0.2"], "--proxy-address is for the embedded proxy"),
            (["--router", "haproxy", "--haproxy-socket", "admin.sock"], "--haproxy-socket must be an absolute path, got admin.sock"),
            (["--router", "haproxy", "--haproxy-backend-prefix", "web prod"], "a backend prefix may hold only letters"),
        ])
    func refused(arguments: [String], message: String) async throws {
        try await withProcessScope { scope in
            let state = scope.directory.appendingPathComponent("agent").path
            let agent = try scope.start(
                "agent", Binaries.agent,
                ["--controller", "127.0.0.1:1", "--token", "drv_join_x", "--ca-pin", "sha256:" + String(repeating: "0", count: 64),
                 "--state-dir", state] + arguments)
            let status = try await agent.waitForExit()
            #expect(status == 2, "\(agent.transcript)")
            #expect(agent.stderr.contains(message), "\(agent.transcript)")
        }
    }
}
