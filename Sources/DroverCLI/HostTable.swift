import DroverAPI

/// Renders hosts for people: an aligned table and a detail view.
enum HostTable {
    static func render(_ hosts: [HostSummary], nowMs: Int64) -> String {
        let header = ["NAME", "ADDRESS", "STATE", "AGENT", "LAST SEEN", "CPU", "MEMORY", "DISK", "CONDITIONS"]
        let rows = hosts.map { host in
            [
                host.name, host.address, host.state, host.agentVersion, ago(host.lastSeenMs, nowMs: nowMs),
                host.cpuPercent.map { percent($0) } ?? "-",
                memory(host),
                host.diskMaxPercent.map { percent($0) + " " + (host.diskMaxMountpoint ?? "") } ?? "-",
                host.conditions.isEmpty ? "-" : host.conditions.joined(separator: ","),
            ]
        }
        return TextTable.render(header: header, rows: rows)
    }

    static func detail(_ detail: HostDetail, nowMs: Int64) -> String {
        let host = detail.host
        var lines = [
            "Name:        \(host.name)",
            "ID:          \(host.id)",
            "Address:     \(host.address)",
            "State:       \(host.state)\(host.connected ? " (connected)" : "")",
            "Agent:       \(host.agentVersion)",
            "Last seen:   \(ago(host.lastSeenMs, nowMs: nowMs))",
            "Labels:      \(host.labels.isEmpty ? "-" : host.labels.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ", "))",
            "Conditions:  \(host.conditions.isEmpty ? "-" : host.conditions.joined(separator: ", "))",
            "CPU:         \(host.cpuPercent.map { percent($0) } ?? "-")\(detail.cpuCores.map { " of \($0) cores" } ?? "")",
            "Memory:      \(memory(host))",
            "Load (1m):   \(host.load1.map { String(format2($0)) } ?? "-")",
        ]
        if let fingerprint = detail.certFingerprint {
            lines.append("Certificate: sha256:\(fingerprint)")
        }
        lines.append("")
        if detail.mounts.isEmpty {
            lines.append("Mounts: none reported")
        } else {
            lines.append(
                TextTable.render(
                    header: ["MOUNTPOINT", "DEVICE", "TYPE", "SIZE", "USED", "USE%"],
                    rows: detail.mounts.map {
                        [
                            $0.mountpoint, $0.device, $0.fsType, bytes($0.totalBytes), bytes($0.usedBytes),
                            $0.totalBytes == 0 ? "-" : percent(Double($0.usedBytes) * 100 / Double($0.totalBytes)),
                        ]
                    }))
        }
        lines.append("")
        if let first = detail.history.first, let last = detail.history.last {
            let cpu = detail.history.map(\.cpuPercent)
            lines.append(
                "History: \(detail.history.count) reports over \(ago(first.at, nowMs: last.at).replacingAgo()), "
                    + "CPU min \(percent(cpu.min()!)) avg \(percent(cpu.reduce(0, +) / Double(cpu.count))) max \(percent(cpu.max()!))"
            )
        } else {
            lines.append("History: none")
        }
        return lines.joined(separator: "\n")
    }

    static func memory(_ host: HostSummary) -> String {
        guard let used = host.memoryUsedBytes, let total = host.memoryTotalBytes, total > 0 else { return "-" }
        return percent(Double(used) * 100 / Double(total)) + " of " + bytes(total)
    }

    static func percent(_ value: Double) -> String {
        format1(value) + "%"
    }

    static func bytes(_ value: UInt64) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"]
        var scaled = Double(value)
        var unit = 0
        while scaled >= 1024, unit < units.count - 1 {
            scaled /= 1024
            unit += 1
        }
        return unit == 0 ? "\(value) B" : "\(format1(scaled)) \(units[unit])"
    }

    /// `3s ago`, `5m ago`, `2h ago`, `4d ago`; `never` for 0.
    static func ago(_ thenMs: Int64, nowMs: Int64) -> String {
        guard thenMs > 0 else { return "never" }
        let seconds = max(0, (nowMs - thenMs) / 1_000)
        switch seconds {
        case ..<60: return "\(seconds)s ago"
        case ..<3_600: return "\(seconds / 60)m ago"
        case ..<86_400: return "\(seconds / 3_600)h ago"
        default: return "\(seconds / 86_400)d ago"
        }
    }

    static func format1(_ value: Double) -> String {
        let tenths = Int64((value * 10).rounded())
        return "\(tenths / 10).\(abs(tenths % 10))"
    }

    static func format2(_ value: Double) -> String {
        let hundredths = Int64((value * 100).rounded())
        let fraction = abs(hundredths % 100)
        return "\(hundredths / 100).\(fraction < 10 ? "0" : "")\(fraction)"
    }
}

extension String {
    fileprivate func replacingAgo() -> String {
        hasSuffix(" ago") ? String(dropLast(4)) : self
    }
}
