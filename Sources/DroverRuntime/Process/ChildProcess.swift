#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Starting and reaping child processes with `posix_spawn` (no Foundation.Process, which the lean agent lacks).
enum ChildProcess {
    /// How a child ended.
    enum Exit: Hashable, Sendable {
        case exited(Int32)
        case signalled(Int32)

        /// The shell's convention: the exit code, or 128 + the signal number.
        var code: Int32 {
            switch self {
            case .exited(let code): code
            case .signalled(let signal): 128 + signal
            }
        }
    }

    /// How the child is detached from the caller.
    enum Grouping {
        /// A new session (`setsid`): survives the agent, and the whole tree is one process group.
        case newSession
        /// A new process group in the caller's session: killed together on a timeout.
        case newProcessGroup
    }

    /// Starts `argv` (looked up in the caller's `PATH` when it has no `/`) with exactly
    /// `environment`, stdin from `/dev/null`, stdout and stderr appended to `outputPath`
    /// (or `/dev/null`). Signal dispositions and the signal mask are reset to the defaults
    /// (the agent ignores SIGPIPE; a child must not inherit that).
    static func spawn(
        _ argv: [String], environment: [String: String], outputPath: String?, grouping: Grouping
    ) throws(ContainerEngineError) -> pid_t {
        guard let executable = argv.first else { throw .invalidSpec("empty command") }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(
            &actions, 1, outputPath ?? "/dev/null", O_WRONLY | O_CREAT | O_APPEND, 0o640)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        // Only 0–2 in the child: a listening socket or the agent's state files must not leak in.
        if let closeFrom = addCloseFrom { _ = closeFrom(&actions, 3) }

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var defaults = sigset_t()
        sigfillset(&defaults)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        var mask = sigset_t()
        sigemptyset(&mask)
        posix_spawnattr_setsigmask(&attributes, &mask)
        var flags = Int32(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK)
        switch grouping {
        case .newSession: flags |= setSessionFlag
        case .newProcessGroup:
            flags |= Int32(POSIX_SPAWN_SETPGROUP)
            posix_spawnattr_setpgroup(&attributes, 0)
        }
        posix_spawnattr_setflags(&attributes, Int16(flags))

        let arguments = argv.map { strdup($0) } + [nil]
        let variables = environment.sorted { $0.key < $1.key }.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for pointer in arguments { free(pointer) }
            for pointer in variables { free(pointer) }
        }
        var pid: pid_t = 0
        let result = posix_spawnp(&pid, executable, &actions, &attributes, arguments, variables)
        guard result == 0 else {
            throw .system("cannot start \(executable): \(String(cString: strerror(result)))")
        }
        return pid
    }

    /// glibc's `POSIX_SPAWN_SETSID` (2.26+); the header defines it only for `_GNU_SOURCE`, which
    /// Swift's Glibc module does not set.
    private static let setSessionFlag: Int32 = 0x80

    /// glibc's `posix_spawn_file_actions_addclosefrom_np` (2.34+), hidden behind `_GNU_SOURCE`
    /// like the flag above; looked up at run time, and skipped on an older libc (the agent's
    /// own descriptors are close-on-exec anyway).
    private static let addCloseFrom: (@convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32)? = {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addclosefrom_np")
        else { return nil }
        return unsafeBitCast(
            symbol, to: (@convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32).self)
    }()

    /// Reaps `pid` if it is our child and has exited. `nil`: still running, or not our child.
    static func reap(_ pid: pid_t) -> Exit? {
        var status: Int32 = 0
        while true {
            let result = waitpid(pid, &status, WNOHANG)
            if result == pid { return decode(status) }
            if result < 0 && errno == EINTR { continue }
            return nil
        }
    }

    /// Decodes a `waitpid` status (the W* macros do not import into Swift).
    static func decode(_ status: Int32) -> Exit {
        let signal = status & 0x7f
        return signal == 0 ? .exited((status >> 8) & 0xff) : .signalled(signal)
    }

    /// `/proc/PID/stat`, if the process exists.
    static func stat(_ pid: pid_t) -> ProcStat? {
        let fd = open("/proc/\(pid)/stat", O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        // The file is one short line (well under 1 KiB); the kernel hands it over in one read.
        var buffer = [UInt8](repeating: 0, count: 4096)
        let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        guard count > 0 else { return nil }
        return ProcStat(parsing: String(decoding: buffer[0..<count], as: UTF8.self))
    }

    /// Whether any process is left in process group `group`.
    static func groupExists(_ group: pid_t) -> Bool {
        kill(-group, 0) == 0 || errno == EPERM
    }

    /// Sends `signal` to process group `group`; a group that is already gone is fine.
    static func signalGroup(_ group: pid_t, _ signal: Int32) {
        _ = kill(-group, signal)
    }

    /// Runs `argv` in its own process group and waits for it; kills the group after `timeout`.
    static func run(
        _ argv: [String], environment: [String: String], timeout: Duration
    ) async throws(ContainerEngineError) -> Exit {
        let pid = try spawn(argv, environment: environment, outputPath: nil, grouping: .newProcessGroup)
        let deadline = ContinuousClock.now + timeout
        while true {
            if let exit = reap(pid) { return exit }
            if ContinuousClock.now >= deadline || Task.isCancelled {
                signalGroup(pid, SIGKILL)
                // SIGKILL cannot be caught: the child is gone within moments; reap it so it is no zombie.
                var status: Int32 = 0
                while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
                throw .timedOut("\(argv.joined(separator: " ")) after \(timeout)")
            }
            try? await Task.sleep(for: .milliseconds(10))
        }
    }
}
