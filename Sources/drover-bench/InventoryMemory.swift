import ArgumentParser
import DroverInventory

#if canImport(Glibc)
import Glibc
#endif

/// `drover-bench inventory-memory`: the memory the controller's fleet inventory holds per host,
/// fresh and once every host's history is full.
///
/// Why a benchmark of its own: `fleet` samples the controller within a minute of the last agent
/// connecting, when each history holds a handful of reports. A history fills for an hour; this
/// measures what that adds, with the controller's own `FleetInventory`, in minutes instead of
/// an hour.
struct InventoryMemory: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inventory-memory",
        abstract: "Memory the fleet inventory holds per host: fresh, and with every history full.",
        discussion: """
            Builds the controller's FleetInventory in this process with its default settings (5 s \
            reports, an hour of history), connects --hosts hosts and gives each one report (what \
            `fleet` sees when it samples the controller), then feeds every host --minutes of 5 s \
            reports from simulated 8-core hosts (as in `fleet`) on an advancing clock. Prints this \
            process's anonymous memory (RssAnon) at each stage; the growth between the two is what \
            a controller adds to the `fleet` figure after an hour.
            """)

    @Option(help: "Hosts in the inventory.")
    var hosts = 10_000

    @Option(help: "Minutes of reports to feed every host (more than the hour of history fills it).")
    var minutes = 70

    func run() throws {
        guard hosts > 0, minutes > 0 else { throw ValidationError("--hosts and --minutes must be positive") }
        let sampler = ProcessSampler(pid: getpid())
        let before = sampler.sample()?.anonymousBytes ?? 0
        var inventory = FleetInventory()
        var simulated = (0..<hosts).map { SimulatedHost(seed: UInt64($0) &+ 1) }
        let start: Int64 = 1_767_225_600_000
        for index in 0..<hosts {
            let address = "10.\(index >> 16).\((index >> 8) & 255).\(index & 255)"
            _ = inventory.hostConnected(
                hostID: "h-\(index)", name: "host-\(index)", address: address, agentVersion: "0.1.0",
                labels: ["role": "web"], now: start)
        }
        func feed(round: Int) {
            let now = start + Int64(round) * 5_000
            for index in 0..<hosts {
                let report = simulated[index].nextReport(collectedUnixMs: now, intervalMs: 5_000)
                _ = inventory.hostReport(hostID: "h-\(index)", report: report, now: now)
            }
        }
        feed(round: 1)
        let fresh = sampler.sample()?.anonymousBytes ?? 0
        let rounds = minutes * 12
        for round in 2...rounds {
            feed(round: round)
            if round % 120 == 0 { print("inventory-memory: \(round / 12) of \(minutes) minutes fed") }
        }
        let full = sampler.sample()?.anonymousBytes ?? 0
        let samples = inventory.host(id: "h-0")?.history.count ?? 0

        let f = Statistics.format
        func mib(_ bytes: UInt64) -> String { "\(f(Double(bytes) / 1_048_576, 1)) MiB" }
        func perHost(_ bytes: UInt64) -> String { "\(f(Double(bytes) / Double(hosts) / 1000, 2)) KB" }
        let freshCost = fresh > before ? fresh - before : 0
        let fullCost = full > before ? full - before : 0
        let growth = full > fresh ? full - fresh : 0
        print("drover-bench inventory-memory — \(hosts) hosts, \(minutes) min of 5 s reports each")
        print("    inventory, one report per host      \(mib(freshCost))  (\(perHost(freshCost)) per host)")
        print("    inventory, \(minutes) min of reports     \(mib(fullCost))  (\(perHost(fullCost)) per host)")
        print("    growth as histories fill           \(mib(growth))  (\(perHost(growth)) per host)")
        print("    history samples per host           \(samples)")
    }
}
