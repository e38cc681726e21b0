// TestCluster: the Redis Cluster that cluster tests share, private ones for tests that break nodes,
// and a connection to one particular node.

import Foundation
import NIOConcurrencyHelpers
import StockroomRedis

#if canImport(Glibc)
import Glibc
#endif

public enum TestCluster {
    /// `STOCKROOM_TEST_CLUSTER` (a seed URL) if set (ops/test sets it); otherwise a cluster of our
    /// own started with `ops/cluster` on first use, shared by the whole test process and stopped
    /// when it exits.
    public static func sharedSeedURL() async throws -> String {
        if let url = ProcessInfo.processInfo.environment["STOCKROOM_TEST_CLUSTER"], !url.isEmpty {
            return url
        }
        return try await shared.value().seedURL
    }

    private static let shared = StartedOnce { try PrivateCluster.start() }
}

/// A 3-master, 3-replica cluster of this test process's own, started by `ops/cluster start` in a
/// directory of its own. Killed when the process exits, if not stopped before.
public struct PrivateCluster: Sendable {
    public let seedURL: String
    public let directory: String

    /// - Parameters:
    ///   - redisArguments: more redis-server options for every node.
    public static func start(redisArguments: String = "") throws -> PrivateCluster {
        let directory = NSTemporaryDirectory() + "stockroom-test-cluster-\(UInt32.random(in: .min ... .max))"
        let output = try runOpsCluster("start", directory: directory, redisArguments: redisArguments)
        guard let seedURL = output.split(separator: "\n").last(where: { $0.hasPrefix("redis://") }) else {
            throw TestSupportError("ops/cluster start printed no seed URL:\n\(output)")
        }
        ClusterCleanup.register(directory: directory)
        return PrivateCluster(seedURL: String(seedURL), directory: directory)
    }

    /// Stops every node and removes the directory.
    public func stop() {
        _ = try? Self.runOpsCluster("stop", directory: self.directory, redisArguments: "")
        ClusterCleanup.unregister(directory: self.directory)
    }

    /// `kill -9` of the node at `port`.
    public func killNode(port: Int) throws {
        _ = try Self.runOpsCluster("kill-node", String(port), directory: self.directory, redisArguments: "")
    }

    /// Starts the dead node at `port` again with its cluster state: it rejoins (a failed-over master
    /// as its successor's replica).
    public func restartNode(port: Int) throws {
        _ = try Self.runOpsCluster("restart-node", String(port), directory: self.directory, redisArguments: "")
    }

    private static func runOpsCluster(
        _ command: String,
        _ arguments: String...,
        directory: String,
        redisArguments: String
    ) throws -> String {
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("ops/cluster").path
        let child = try ChildProcess(
            "/usr/bin/env",
            ["STOCKROOM_CLUSTER_DIR=\(directory)", "STOCKROOM_CLUSTER_REDIS_ARGS=\(redisArguments)", "bash", script, command] + arguments
        )
        defer { child.kill() }
        child.closeInput()
        guard let status = child.waitForExit(timeout: 90) else {
            throw TestSupportError("ops/cluster \(command) did not finish:\n\(child.outputText)")
        }
        // Waits for the end of the output (the nodes daemonize with /dev/null as theirs), so none is lost.
        _ = child.waitForOutput(timeout: 5) { _ in false }
        guard status == 0 else {
            throw TestSupportError("ops/cluster \(command) exited \(status):\n\(child.outputText)")
        }
        return child.outputText
    }
}

/// Runs `body` with the shared test cluster's seed URL.
@discardableResult
public func withTestCluster<T>(_ body: (String) async throws -> T) async throws -> T {
    try await body(try await TestCluster.sharedSeedURL())
}

/// Runs `body` with a cluster of its own, for tests that kill or stop nodes; always stops it.
@discardableResult
public func withPrivateTestCluster<T>(redisArguments: String = "", _ body: (PrivateCluster) async throws -> T) async throws -> T {
    let cluster = try PrivateCluster.start(redisArguments: redisArguments)
    do {
        let result = try await body(cluster)
        cluster.stop()
        return result
    } catch {
        cluster.stop()
        throw error
    }
}

/// A connection to the node at `port` alone, without cluster routing (like `redis-cli` without `-c`):
/// for CLUSTER SETSLOT, MIGRATE, CLUSTER FAILOVER and other commands meant for one node.
@discardableResult
public func withClusterNode<T>(port: Int, _ body: (RedisConnection) async throws -> T) async throws -> T {
    var configuration = try RedisConfiguration(url: "redis://127.0.0.1:\(port)")
    configuration.discoversCluster = false
    return try await withRedisConnection(configuration: configuration, body)
}

/// The process id of the Redis at `port` (`INFO server`), to kill it.
public func redisProcessID(port: Int) async throws -> Int32 {
    let info = try await withClusterNode(port: port) { try await $0.send(["INFO", "server"]).get().string ?? "" }
    guard let line = info.split(whereSeparator: \.isNewline).first(where: { $0.hasPrefix("process_id:") }),
        let pid = Int32(line.dropFirst("process_id:".count))
    else { throw TestSupportError("no process_id in INFO server of 127.0.0.1:\(port)") }
    return pid
}

/// Kills what private clusters are left when the test process exits (a failed or crashed test).
private enum ClusterCleanup {
    private static let directories = NIOLockedValueBox(Set<String>())
    private static let installExitHook: Void = {
        atexit {
            for directory in ClusterCleanup.directories.withLockedValue({ $0 }) {
                let nodes = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
                for node in nodes {
                    let pidFile = "\(directory)/\(node)/redis.pid"
                    if let text = try? String(contentsOfFile: pidFile, encoding: .utf8),
                        let pid = pid_t(text.trimmingCharacters(in: .whitespacesAndNewlines)), pid > 0
                    {
                        kill(pid, SIGKILL)
                    }
                }
                try? FileManager.default.removeItem(atPath: directory)
            }
        }
    }()

    static func register(directory: String) {
        _ = installExitHook
        directories.withLockedValue { _ = $0.insert(directory) }
    }

    static func unregister(directory: String) {
        directories.withLockedValue { _ = $0.remove(directory) }
    }
}
