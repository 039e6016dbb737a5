/// The parts of HAProxy's `show stat` CSV and `show servers state` answers the router reads.
public enum HAProxyStats {
    /// One server's counters from `show stat`.
    public struct ServerRow: Sendable, Hashable {
        /// The backend (`pxname`).
        public var backend: String
        /// The server (`svname`).
        public var server: String
        /// `http` or `tcp` (`mode`).
        public var mode: String
        /// Sessions open now (`scur`).
        public var currentSessions: UInt64
        /// Sessions since the server was added (`stot`).
        public var totalSessions: UInt64
        /// HTTP requests since the server was added (`req_tot`; 0 in TCP mode).
        public var totalRequests: UInt64
        /// 5xx answers (`hrsp_5xx`).
        public var responses5xx: UInt64
        /// Failed connection attempts (`econ`).
        public var connectionErrors: UInt64
        /// Responses that broke off or never came (`eresp`).
        public var responseErrors: UInt64
        /// Bytes in from clients (`bin`).
        public var bytesIn: UInt64
        /// Bytes out to clients (`bout`).
        public var bytesOut: UInt64
        /// Average connect time over the last 1,024 requests, in ms (`ctime`).
        public var averageConnectMilliseconds: UInt64
        /// Average total time over the last 1,024 requests, in ms (`ttime`).
        public var averageTotalMilliseconds: UInt64

        /// Requests (HTTP) or sessions (TCP): what Drover counts as requests.
        public var requests: UInt64 { mode == "http" ? totalRequests : totalSessions }
        /// Failures as canary analysis counts them: 5xx, failed connections, broken responses
        /// (saturating: the counters are HAProxy's word, not checked against each other).
        public var errors: UInt64 {
            [connectionErrors, responseErrors].reduce(responses5xx) { sum, value in
                let (total, overflow) = sum.addingReportingOverflow(value)
                return overflow ? .max : total
            }
        }
        /// The latency HAProxy averages: total time per request in HTTP, connect time in TCP
        /// (what the embedded proxy measures in each mode); saturates at `UInt64.max`.
        public var averageLatencyMicroseconds: UInt64 {
            let (product, overflow) = (mode == "http" ? averageTotalMilliseconds : averageConnectMilliseconds)
                .multipliedReportingOverflow(by: 1000)
            return overflow ? .max : product
        }
    }

    /// The server rows of `backend` in a `show stat` answer (not `FRONTEND` or `BACKEND`).
    ///
    /// - Throws: ``HAProxyError/commandFailed(command:answer:)`` when the header is missing.
    public static func servers(inShowStat text: String, backend: String) throws(HAProxyError) -> [ServerRow] {
        var lines = text.split(whereSeparator: \.isNewline).makeIterator()
        guard let header = lines.next(), header.hasPrefix("# ") else {
            throw .commandFailed(command: "show stat", answer: String(text.prefix(200)))
        }
        let names = fields(header.dropFirst(2))
        var column: [String: Int] = [:]
        for (index, name) in names.enumerated() { column[name] = index }
        for required in ["pxname", "svname", "scur", "stot"] where column[required] == nil {
            throw .commandFailed(command: "show stat", answer: "no \(required) column")
        }
        var rows: [ServerRow] = []
        while let line = lines.next() {
            let values = fields(line)
            func text(_ name: String) -> String {
                guard let index = column[name], index < values.count else { return "" }
                return values[index]
            }
            func number(_ name: String) -> UInt64 { UInt64(text(name)) ?? 0 }
            let server = text("svname")
            guard text("pxname") == backend, server != "FRONTEND", server != "BACKEND" else { continue }
            rows.append(
                ServerRow(
                    backend: backend, server: server, mode: text("mode"), currentSessions: number("scur"),
                    totalSessions: number("stot"), totalRequests: number("req_tot"),
                    responses5xx: number("hrsp_5xx"), connectionErrors: number("econ"),
                    responseErrors: number("eresp"), bytesIn: number("bin"), bytesOut: number("bout"),
                    averageConnectMilliseconds: number("ctime"), averageTotalMilliseconds: number("ttime")))
        }
        return rows
    }

    /// The `mode` (`http` or `tcp`) of the `BACKEND` row of `backend` in a `show stat` answer;
    /// nil when the backend is not there.
    public static func backendMode(inShowStat text: String, backend: String) -> String? {
        var lines = text.split(whereSeparator: \.isNewline).makeIterator()
        guard let header = lines.next(), header.hasPrefix("# ") else { return nil }
        let names = fields(header.dropFirst(2))
        guard let proxy = names.firstIndex(of: "pxname"), let server = names.firstIndex(of: "svname"),
            let mode = names.firstIndex(of: "mode")
        else { return nil }
        while let line = lines.next() {
            let values = fields(line)
            guard values.count > max(proxy, server, mode) else { continue }
            if values[proxy] == backend, values[server] == "BACKEND" { return values[mode] }
        }
        return nil
    }

    /// One server from `show servers state BACKEND`.
    public struct ServerState: Sendable, Hashable {
        /// The server's name.
        public var name: String
        /// Its address.
        public var address: String
        /// Its port.
        public var port: Int
    }

    /// The servers in a `show servers state BACKEND` answer.
    ///
    /// - Throws: ``HAProxyError/commandFailed(command:answer:)`` when the header is missing.
    public static func serverStates(_ text: String, command: String) throws(HAProxyError) -> [ServerState] {
        let lines = text.split(whereSeparator: \.isNewline)
        guard let header = lines.first(where: { $0.hasPrefix("# ") }) else {
            throw .commandFailed(command: command, answer: String(text.prefix(200)))
        }
        let names = header.dropFirst(2).split(separator: " ").map(String.init)
        guard let name = names.firstIndex(of: "srv_name"), let address = names.firstIndex(of: "srv_addr"),
            let port = names.firstIndex(of: "srv_port")
        else { throw .commandFailed(command: command, answer: "unexpected header: \(header)") }
        return lines.filter { !$0.hasPrefix("#") }.compactMap { line in
            let values = line.split(separator: " ")
            guard values.count > max(name, address, port) else { return nil }
            return ServerState(
                name: String(values[name]), address: String(values[address]),
                port: Int(values[port]).flatMap { (0...65_535).contains($0) ? $0 : nil } ?? 0)
        }
    }

    /// Splits a CSV line, honouring double quotes (HAProxy quotes fields that hold commas).
    static func fields(_ line: Substring) -> [String] {
        var result: [String] = []
        var current = ""
        var quoted = false
        var previous: Character?
        for character in line {
            if character == "\"" {
                if !quoted, previous == "\"" { current.append("\"") }
                quoted.toggle()
            } else if character == ",", !quoted {
                result.append(current)
                current = ""
            } else {
                current.append(character)
            }
            previous = character
        }
        result.append(current)
        return result
    }
}
