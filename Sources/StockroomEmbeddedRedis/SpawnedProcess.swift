// SpawnedProcess: the one way Stockroom starts another program.

import NIOConcurrencyHelpers

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A child process started with `posix_spawn`: the embedded `redis-server`, `redis-benchmark` for
/// the bench's baseline, `openssl` in the tests.
///
/// posix_spawn rather than Foundation's `Process`: the threads of this process (NIO's,
/// libdispatch's) block or ignore signals and a child inherits that, so without a reset of the mask
/// and dispositions `redis-server` would never see SIGTERM; and the pid is all there is to keep,
/// with reaping under our control.
public final class SpawnedProcess: Sendable {
    /// Where the child's standard input comes from.
    public enum Input: Sendable {
        case null
        /// A pipe whose write end is ``standardInput``.
        case pipe
    }

    /// Where the child's standard output and standard error go, together.
    public enum Output: Sendable {
        /// Appended to this file, created if needed.
        case file(String)
        /// A pipe whose read end is ``standardOutput``.
        case pipe
    }

    public let pid: pid_t
    /// The write end of the child's standard input, for `.pipe`; the caller closes it.
    public let standardInput: Int32?
    /// The read end of the child's standard output and error, for `.pipe`; the caller closes it.
    public let standardOutput: Int32?
    private let status = NIOLockedValueBox<Int32?>(nil)

    private init(pid: pid_t, standardInput: Int32?, standardOutput: Int32?) {
        self.pid = pid
        self.standardInput = standardInput
        self.standardOutput = standardOutput
    }

    /// Starts `executable` (a path) with `arguments`, in this process's environment.
    /// - Parameters:
    ///   - ownProcessGroup: start the child in a process group of its own, so that a terminal's Ctrl-C
    ///     (SIGINT to the foreground group) reaches only us; we stop the child when we are done with it.
    public static func spawn(
        _ executable: String,
        arguments: [String],
        input: Input = .null,
        output: Output,
        ownProcessGroup: Bool = false
    ) throws(EmbeddedRedisError) -> SpawnedProcess {
        var fileActions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&fileActions)
        defer { posix_spawn_file_actions_destroy(&fileActions) }

        // Our ends are close-on-exec, so that no other child inherits them; dup2 clears the flag on
        // the child's copies.
        var inputPipe: (read: Int32, write: Int32)?
        switch input {
        case .null:
            posix_spawn_file_actions_addopen(&fileActions, 0, "/dev/null", O_RDONLY, 0)
        case .pipe:
            let ends = try makePipe()
            inputPipe = ends
            posix_spawn_file_actions_adddup2(&fileActions, ends.read, 0)
        }
        var outputPipe: (read: Int32, write: Int32)?
        switch output {
        case .file(let path):
            posix_spawn_file_actions_addopen(&fileActions, 1, path, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        case .pipe:
            let ends = try makePipe()
            outputPipe = ends
            posix_spawn_file_actions_adddup2(&fileActions, ends.write, 1)
        }
        posix_spawn_file_actions_adddup2(&fileActions, 1, 2)

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        var defaultSignals = sigset_t()
        sigemptyset(&defaultSignals)
        for signal in [SIGTERM, SIGINT, SIGHUP, SIGPIPE, SIGCHLD, SIGUSR1, SIGUSR2] {
            sigaddset(&defaultSignals, signal)
        }
        posix_spawnattr_setsigdefault(&attributes, &defaultSignals)
        var flags = POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF
        if ownProcessGroup {
            posix_spawnattr_setpgroup(&attributes, 0)
            flags |= POSIX_SPAWN_SETPGROUP
        }
        posix_spawnattr_setflags(&attributes, Int16(flags))

        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer {
            for pointer in argv { free(pointer) }
        }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, executable, &fileActions, &attributes, argv, environ)
        // The child has its copies now (or never will): ours of its ends go.
        if let inputPipe { close(inputPipe.read) }
        if let outputPipe { close(outputPipe.write) }
        guard result == 0 else {
            if let inputPipe { close(inputPipe.write) }
            if let outputPipe { close(outputPipe.read) }
            throw EmbeddedRedisError("cannot start \(executable): \(String(cString: strerror(result)))")
        }
        return SpawnedProcess(pid: pid, standardInput: inputPipe?.write, standardOutput: outputPipe?.read)
    }

    /// Sends `signal` unless the child has already been reaped (its pid may belong to another by then).
    public func send(signal: Int32) {
        self.status.withLockedValue { status in
            if status == nil { _ = kill(self.pid, signal) }
        }
    }

    /// The child's wait status once it has exited (reaping it), nil while it runs.
    public func exitStatus() -> Int32? {
        self.reap()
    }

    /// Blocks the calling thread until the child exits; its wait status. Polls, so that no lock is
    /// held while the child runs and another thread can still signal it.
    public func waitForExit() -> Int32 {
        while true {
            if let status = self.exitStatus() { return status }
            usleep(5_000)
        }
    }

    /// The exit code for a child that exited normally, else 128 + the signal that ended it, as a shell says.
    public static func exitCode(_ status: Int32) -> Int32 {
        let signal = status & 0x7f
        return signal == 0 ? (status >> 8) & 0xff : 128 + signal
    }

    private func reap() -> Int32? {
        self.status.withLockedValue { status in
            if let status { return status }
            var raw: Int32 = 0
            let result = waitpid(self.pid, &raw, WNOHANG)
            if result == self.pid {
                status = raw
            } else if result == -1 && errno == ECHILD {
                status = -1  // reaped elsewhere (an atexit hook): gone all the same
            }
            return status
        }
    }

    private static func makePipe() throws(EmbeddedRedisError) -> (read: Int32, write: Int32) {
        var ends: [Int32] = [0, 0]
        guard pipe(&ends) == 0 else {
            throw EmbeddedRedisError("cannot create a pipe: \(String(cString: strerror(errno)))")
        }
        for end in ends { _ = fcntl(end, F_SETFD, FD_CLOEXEC) }
        return (ends[0], ends[1])
    }
}
