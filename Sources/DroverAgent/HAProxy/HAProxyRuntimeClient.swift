import NIOCore
import NIOPosix

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Sends commands to HAProxy's runtime API over its stats socket and returns the text answers.
///
/// One command per connection (HAProxy's non-interactive mode): it reads the command line,
/// answers, and closes, so the whole answer is what arrives before the close. Errors HAProxy
/// reports the same way for every command (unknown command, no such backend or server,
/// permission) become ``HAProxyError`` cases; what counts as success for a given command is the
/// caller's business (see ``expectEmpty(_:)``).
public struct HAProxyRuntimeClient: Sendable {
    /// The stats socket, e.g. `/run/haproxy/admin.sock`.
    public let socketPath: String
    /// How long one command may take, connection included.
    public var timeout: Duration
    let group: any EventLoopGroup

    /// Answers at most this large are read (`show stat` on a big HAProxy is tens of KB).
    static let maximumAnswerBytes = 16 << 20

    /// A client for the socket at `socketPath`.
    public init(
        socketPath: String, timeout: Duration = .seconds(5),
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) {
        self.socketPath = socketPath
        self.timeout = timeout
        self.group = group
    }

    /// Sends one command and returns HAProxy's answer, trailing blank lines removed.
    ///
    /// - Throws: ``HAProxyError`` when the socket cannot be used, the answer does not come in
    ///   time, or HAProxy answers with one of its generic errors.
    @discardableResult
    public func send(_ command: String) async throws(HAProxyError) -> String {
        guard !command.contains(where: { $0 == "\n" || $0 == "\r" || $0 == ";" }) else {
            throw .invalidCommand(command)
        }
        try checkSocket()
        let answer = try await exchange(command)
        return try Self.classify(answer: answer, command: command, socketPath: socketPath)
    }

    /// Sends a command whose success is an empty answer (`set server …`, `enable server …`).
    ///
    /// - Throws: ``HAProxyError/commandFailed(command:answer:)`` with any text HAProxy sent.
    public func expectEmpty(_ command: String) async throws(HAProxyError) {
        let answer = try await send(command)
        guard answer.isEmpty else { throw .commandFailed(command: command, answer: answer) }
    }

    /// The generic errors every command can answer with; anything else is returned as is.
    static func classify(answer raw: String, command: String, socketPath: String) throws(HAProxyError) -> String {
        var answer = Substring(raw)
        while answer.last?.isNewline == true { answer.removeLast() }
        let text = String(answer)
        if text.hasPrefix("Unknown command") { throw .unknownCommand(command: command) }
        if text.hasPrefix("Permission denied") {
            throw .permissionDenied(
                path: socketPath,
                detail: "`\(command)` needs `level admin` on the stats socket line (HAProxy said: \(text))")
        }
        if text.hasPrefix("No such backend") || text.hasPrefix("Can't find backend") {
            throw .noSuchBackend(Self.backendName(in: command) ?? command)
        }
        if text.hasPrefix("No such server") { throw .noSuchServer(command: command) }
        return text
    }

    /// The backend a command names (`BACKEND/SERVER` or `show servers state BACKEND`), if any.
    static func backendName(in command: String) -> String? {
        let words = command.split(separator: " ")
        if let slashed = words.first(where: { $0.contains("/") }) {
            return String(slashed.prefix { $0 != "/" })
        }
        return words.count >= 4 && words[0] == "show" ? String(words[3]) : nil
    }

    /// Refuses early, with a precise reason, when the path is missing or not a socket.
    func checkSocket() throws(HAProxyError) {
        var info = stat()
        guard stat(socketPath, &info) == 0 else {
            let code = errno
            if code == ENOENT || code == ENOTDIR { throw .socketMissing(path: socketPath) }
            if code == EACCES {
                throw .permissionDenied(
                    path: socketPath, detail: "the agent cannot reach it (a directory's permissions)")
            }
            throw .connectionFailed(path: socketPath, detail: String(cString: strerror(code)))
        }
        guard info.st_mode & S_IFMT == S_IFSOCK else { throw .notASocket(path: socketPath) }
    }

    /// Connects, writes the command line, and reads until HAProxy closes (or the timeout).
    func exchange(_ command: String) async throws(HAProxyError) -> String {
        let path = socketPath
        let channel: NIOAsyncChannel<ByteBuffer, ByteBuffer>
        do {
            channel = try await ClientBootstrap(group: group)
                .connectTimeout(.nanoseconds(Self.nanoseconds(timeout)))
                .connect(unixDomainSocketPath: path) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                    }
                }
        } catch let error as IOError {
            switch error.errnoCode {
            case EACCES, EPERM:
                throw .permissionDenied(
                    path: path, detail: "the agent's user may not open it (check the socket's mode and group)")
            case ECONNREFUSED: throw .notListening(path: path)
            case ENOENT: throw .socketMissing(path: path)
            default: throw .connectionFailed(path: path, detail: "\(error)")
            }
        } catch {
            throw .connectionFailed(path: path, detail: "\(error)")
        }
        // Closing the channel at the deadline ends the read loop below.
        let deadline = ContinuousClock.now + timeout
        let timer = channel.channel.eventLoop.scheduleTask(in: .nanoseconds(Self.nanoseconds(timeout))) {
            channel.channel.close(promise: nil)
        }
        defer { timer.cancel() }
        do {
            let bytes = try await channel.executeThenClose { inbound, outbound in
                try await outbound.write(ByteBuffer(string: command + "\n"))
                var answer = ByteBuffer()
                for try await var chunk in inbound {
                    answer.writeBuffer(&chunk)
                    if answer.readableBytes > Self.maximumAnswerBytes { break }
                }
                return answer
            }
            if ContinuousClock.now >= deadline { throw HAProxyError.timedOut(command: command, after: timeout) }
            return String(buffer: bytes)
        } catch {
            if ContinuousClock.now >= deadline { throw .timedOut(command: command, after: timeout) }
            throw .connectionFailed(path: path, detail: "`\(command)`: \(error)")
        }
    }

    static func nanoseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        let (product, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        return overflow ? .max : product &+ attoseconds / 1_000_000_000
    }
}
