import ArgumentParser

/// `drover-bench`: Drover's benchmarks, each measured against a baseline in the same run.
@main
struct BenchMain: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "drover-bench",
        abstract: "Drover benchmarks. Build with -c release; every figure comes with a same-run baseline.",
        subcommands: [
            WireBench.self, AgentFootprint.self, FleetBench.self, InventoryMemory.self, RolloutBench.self, ProxyBench.self,
            TLSLoop.self, LeakLoop.self,
        ]
    )
}
