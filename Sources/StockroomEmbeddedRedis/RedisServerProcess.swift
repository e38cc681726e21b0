// RedisServerProcess: a private redis-server child process on a free loopback port.

import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import StockroomRedis

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A redis-server of our own on a free loopback port: `stockroom serve`'s embedded Redis, and the
/// tests' private ones.
///
/// By default its data lives in a fresh temporary directory with `--save "" --appendonly no`, so
/// nothing persists; `start(dataDirectory:)` keeps it in a directory of the caller's with the
/// append-only file on. Any server still running when this process exits is killed then.
public final class RedisServerProcess: Sendable {
    public let port: Int
    public let directory: String
    public let arguments: [String]
    private let executable: String
    private let process = NIOLockedValueBox<SpawnedProcess?>(nil)

    public var url: String { "redis://127.0.0.1:\(self.port)" }

    /// The running server's pid; nil once it stopped.
    public var pid: pid_t? { self.process.withLockedValue { $0?.pid } }

    private init(executable: String, port: Int, directory: String, persistent: Bool, extraArguments: [String]) {
        self.executable = executable
        self.port = port
        self.directory = directory
        let persistence = persistent
            ? ["--appendonly", "yes", "--pidfile", "\(directory)/\(Self.pidFileName)"]
            : ["--appendonly", "no"]
        self.arguments =
            [
                "--port", String(port), "--bind", "127.0.0.1", "--dir", directory,
                "--save", "", "--daemonize", "no", "--logfile", "\(directory)/redis.log",
            ] + persistence + extraArguments
    }

    /// Where a persistent server writes its pid, so that a second one on the same data refuses to start.
    public static let pidFileName = "redis.pid"

    /// Starts a server and waits until it answers.
    ///
    /// - Parameters:
    ///   - dataDirectory: keep the data here, with the append-only file on, across restarts of this
    ///     process; nil for a throwaway temporary directory.
    ///   - extraArguments: more redis-server options; later ones win.
    public static func start(dataDirectory: String? = nil, extraArguments: [String] = []) async throws -> RedisServerProcess {
        let executable = try findRedisServer()
        var lastError: (any Error)?
        // Another process may grab the free port before redis-server binds it: try a few.
        for _ in 0..<3 {
            let directory: String
            if let dataDirectory {
                directory = try prepareDataDirectory(dataDirectory)
            } else {
                directory = try makeTemporaryDirectory()
                ChildRegistry.add(temporaryDirectory: directory)
            }
            let server = RedisServerProcess(
                executable: executable,
                port: try freeLoopbackPort(),
                directory: directory,
                persistent: dataDirectory != nil,
                extraArguments: extraArguments
            )
            do {
                try await server.launchAndWait()
                return server
            } catch {
                lastError = error
                await server.stop()
            }
        }
        throw lastError ?? EmbeddedRedisError("redis-server did not start")
    }

    /// SIGTERM, then waits for it to exit. Idempotent.
    public func stop() async {
        await self.terminate(signal: SIGTERM)
    }

    /// SIGKILL (a crash: no shutdown work), then waits for it to exit.
    public func kill() async {
        await self.terminate(signal: SIGKILL)
    }

    /// Starts again on the same port and directory (stopping it first if still running).
    public func restart() async throws {
        await self.stop()
        try await self.launchAndWait()
    }

    // MARK: Process handling

    private func launchAndWait() async throws {
        // Its own process group: Ctrl-C on `stockroom serve` must drain the server before Redis stops,
        // not stop Redis in the middle of the drain.
        let process = try SpawnedProcess.spawn(
            self.executable, arguments: self.arguments, output: .file("\(self.directory)/stdout.log"), ownProcessGroup: true
        )
        self.process.withLockedValue { $0 = process }
        ChildRegistry.add(pid: process.pid)
        try await self.waitUntilAnswering()
    }

    private func terminate(signal: Int32) async {
        guard let process = self.process.withLockedValue({ process -> SpawnedProcess? in defer { process = nil }; return process })
        else {
            return
        }
        process.send(signal: signal)
        var waited = 0
        while process.exitStatus() == nil {
            if waited == 1000 {  // ~10 s: stop politely asking
                process.send(signal: SIGKILL)
            }
            waited += 1
            try? await Task.sleep(for: .milliseconds(10))
        }
        ChildRegistry.remove(pid: process.pid)
    }

    private func waitUntilAnswering() async throws {
        var configuration = try RedisConfiguration(url: self.url)
        configuration.connectTimeout = .milliseconds(500)
        configuration.commandTimeout = .seconds(2)
        let eventLoop = MultiThreadedEventLoopGroup.singleton.next()
        let deadline = ContinuousClock.now + .seconds(15)
        var lastError: (any Error)?
        while ContinuousClock.now < deadline {
            if let process = self.process.withLockedValue({ $0 }), process.exitStatus() != nil {
                self.process.withLockedValue { $0 = nil }
                ChildRegistry.remove(pid: process.pid)
                throw EmbeddedRedisError("redis-server exited during start-up; its log:\n\(self.logTail())")
            }
            do {
                let connection = try await RedisConnection.connect(
                    configuration: configuration,
                    eventLoop: eventLoop,
                    logger: quietLogger
                ).get()
                try? await connection.close().get()
                return
            } catch let error as RedisError where error.code == .errorReply {
                // It answered (e.g. NOAUTH with --requirepass): it is up.
                return
            } catch {
                lastError = error
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw EmbeddedRedisError(
            "redis-server on port \(self.port) did not answer within 15 s (\(lastError.map { "\($0)" } ?? "")); its log:\n\(self.logTail())"
        )
    }

    private func logTail() -> String {
        let log = (try? String(contentsOfFile: "\(self.directory)/redis.log", encoding: .utf8)) ?? ""
        return log.split(separator: "\n").suffix(20).joined(separator: "\n")
    }
}

private let quietLogger = Logger(label: "stockroom.redis-server", factory: { _ in SwiftLogNoOpLogHandler() })
