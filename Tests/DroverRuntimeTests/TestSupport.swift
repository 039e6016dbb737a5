import FoundationEssentials
import NIOHTTP1
import NIOPosix
import Testing

@testable import DroverRuntime

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A wait that ran past its deadline.
struct PollTimeout: Error, CustomStringConvertible {
    let what: String
    var description: String { "timed out waiting for \(what)" }
}

/// Polls `condition` every 50 ms until it holds; throws ``PollTimeout`` after `timeout`.
func poll(timeout: Duration = .seconds(90), _ what: String, _ condition: () async throws -> Bool) async throws {
    let deadline = ContinuousClock.now + timeout
    while true {
        if try await condition() { return }
        guard ContinuousClock.now < deadline else { throw PollTimeout(what: what) }
        try await Task.sleep(for: .milliseconds(50))
    }
}

/// A fresh directory under the system temporary directory, removed by ``remove()``.
struct TemporaryDirectory {
    let path: String

    init(_ prefix: String) throws {
        var template = Array("/tmp/\(prefix)-XXXXXX".utf8CString)
        let made = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        guard made != nil else { throw PollTimeout(what: "mkdtemp: \(String(cString: strerror(errno)))") }
        path = String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    func remove() {
        try? FileManager.default.removeItem(atPath: path)
    }

    func file(_ name: String) -> String { "\(path)/\(name)" }

    func write(_ name: String, _ text: String, mode: Int = 0o644) throws {
        try Data(text.utf8).write(to: URL(fileURLWithPath: file(name)))
        try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: file(name))
    }

    func read(_ name: String) -> String {
        FileManager.default.contents(atPath: file(name)).map { String(decoding: $0, as: UTF8.self) } ?? ""
    }
}

/// A loopback TCP port that was free a moment ago (the kernel's choice for port 0).
func freePort() throws -> Int {
    let listener = try LoopbackListener(backlog: 1)
    defer { listener.close() }
    return listener.port
}

/// A loopback socket that listens but never accepts or answers: the kernel completes
/// connections into its backlog, so a client connects and then hears nothing.
final class LoopbackListener: Sendable {
    let descriptor: Int32
    let port: Int

    init(backlog: Int32 = 16) throws {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { throw PollTimeout(what: "socket()") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { raw -> Bool in
                bind(descriptor, raw, length) == 0 && listen(descriptor, backlog) == 0
                    && getsockname(descriptor, raw, &length) == 0
            }
        }
        guard bound else {
            Glibc.close(descriptor)
            throw PollTimeout(what: "bind/listen on 127.0.0.1")
        }
        self.descriptor = descriptor
        port = Int(UInt16(bigEndian: address.sin_port))
    }

    func close() { Glibc.close(descriptor) }
}

/// `GET path` on 127.0.0.1:`port`: status and body, or nil when nothing answers.
func httpGet(port: Int, _ path: String, timeout: Duration = .seconds(2)) async -> (status: Int, body: String)? {
    let client = OneShotHTTPClient(
        endpoint: .tcp(host: "127.0.0.1", port: port), group: MultiThreadedEventLoopGroup.singleton)
    guard let answer = try? await client.request(.GET, path, timeout: timeout) else { return nil }
    return (answer.status, String(decoding: answer.body, as: UTF8.self))
}

/// This process's `/proc/self/stat`.
func procSelfStat() throws -> String {
    guard let data = FileManager.default.contents(atPath: "/proc/self/stat") else {
        throw PollTimeout(what: "/proc/self/stat")
    }
    return String(decoding: data, as: UTF8.self)
}

/// A unique suffix for names, so parallel tests and reruns never collide.
func uniqueSuffix() -> String {
    String(UInt64.random(in: 0..<UInt64.max) & 0xFFFF_FFFF, radix: 16)
}
