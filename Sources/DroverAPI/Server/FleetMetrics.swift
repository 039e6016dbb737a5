import DroverInventory
import DroverWire

/// Renders the fleet as Prometheus gauges (node_exporter-style names, `drover_` prefix).
enum FleetMetrics {
    static func render(_ hosts: [HostView]) -> String {
        var out = PrometheusExposition()
        out.gauge("drover_hosts", help: "Hosts in the fleet by state (removed hosts excluded).")
        var counts = Dictionary(uniqueKeysWithValues: InventoryHostState.allCases.map { ($0.rawValue, 0) })
        for host in hosts { counts[host.state, default: 0] += 1 }
        for state in InventoryHostState.allCases where state != .removed {
            out.sample("drover_hosts", [("state", state.rawValue)], Double(counts[state.rawValue] ?? 0))
        }

        out.gauge("drover_host_info", help: "Host metadata; the value is always 1.")
        for host in hosts {
            let summary = host.summary
            out.sample(
                "drover_host_info",
                [
                    ("host", summary.name), ("host_id", summary.id), ("agent_version", summary.agentVersion),
                    ("state", summary.state),
                ],
                1)
        }
        out.gauge("drover_host_up", help: "Whether the host's agent session is open and reporting (1) or not (0).")
        for host in hosts {
            out.sample("drover_host_up", [("host", host.name)], host.summary.connected && host.state != "lost" ? 1 : 0)
        }
        out.gauge("drover_host_last_seen_timestamp_seconds", help: "When the host was last heard from, Unix seconds.")
        for host in hosts {
            out.sample(
                "drover_host_last_seen_timestamp_seconds", [("host", host.name)], Double(host.summary.lastSeenMs) / 1000
            )
        }

        let reporting = hosts.compactMap { host in host.live?.latestReport.map { (host.name, $0, host.live!) } }
        out.gauge(
            "drover_host_cpu_usage_ratio",
            help: "CPU busy time over the last report interval, fraction of all cores (0-1).")
        for (name, report, _) in reporting {
            out.sample(
                "drover_host_cpu_usage_ratio", [("host", name)], Double(min(report.cpu.usageBp, 10_000)) / 10_000)
        }
        out.gauge("drover_host_cpu_cores", help: "Logical CPUs.")
        for (name, report, _) in reporting {
            out.sample("drover_host_cpu_cores", [("host", name)], Double(report.cpu.cores))
        }
        out.gauge("drover_host_memory_used_bytes", help: "Memory in use (total minus available), bytes.")
        for (name, report, _) in reporting {
            out.sample("drover_host_memory_used_bytes", [("host", name)], Double(report.memory.usedBytes))
        }
        out.gauge("drover_host_memory_total_bytes", help: "Memory installed, bytes.")
        for (name, report, _) in reporting {
            out.sample("drover_host_memory_total_bytes", [("host", name)], Double(report.memory.totalBytes))
        }
        out.gauge("drover_host_filesystem_size_bytes", help: "File system size, bytes.")
        for (name, report, _) in reporting {
            for disk in report.disks {
                out.sample(
                    "drover_host_filesystem_size_bytes", [("host", name), ("mountpoint", disk.mountPoint)],
                    Double(disk.totalBytes))
            }
        }
        out.gauge("drover_host_filesystem_used_bytes", help: "File system space in use, bytes.")
        for (name, report, _) in reporting {
            for disk in report.disks {
                out.sample(
                    "drover_host_filesystem_used_bytes", [("host", name), ("mountpoint", disk.mountPoint)],
                    Double(disk.usedBytes))
            }
        }
        out.gauge(
            "drover_host_filesystem_avail_bytes", help: "File system space available to unprivileged users, bytes.")
        for (name, report, _) in reporting {
            for disk in report.disks {
                out.sample(
                    "drover_host_filesystem_avail_bytes", [("host", name), ("mountpoint", disk.mountPoint)],
                    Double(disk.freeBytes))
            }
        }
        for (window, help) in [("1", "1-minute"), ("5", "5-minute"), ("15", "15-minute")] {
            let family = "drover_host_load\(window)"
            out.gauge(family, help: "\(help) load average.")
            for (name, report, _) in reporting {
                let milli =
                    window == "1"
                    ? report.load.load1Milli : window == "5" ? report.load.load5Milli : report.load.load15Milli
                out.sample(family, [("host", name)], Double(milli) / 1000)
            }
        }
        out.gauge("drover_host_uptime_seconds", help: "Seconds since the host booted.")
        for (name, report, _) in reporting {
            out.sample("drover_host_uptime_seconds", [("host", name)], Double(report.uptimeSeconds))
        }
        out.gauge("drover_host_condition", help: "Whether a threshold condition is raised on the host (1) or not (0).")
        for (name, _, live) in reporting {
            for condition in HostCondition.allCases {
                out.sample(
                    "drover_host_condition", [("host", name), ("condition", condition.rawValue)],
                    live.conditions.contains(condition) ? 1 : 0)
            }
        }
        return out.output
    }
}
