// Masters that die, on clusters of the tests' own: the dead master's slots fail as unavailable,
// the other slots keep answering, and a promoted replica takes over, scripts included.

import NIOCore
import TestSupport
import XCTest

@testable import StockroomRedis

#if canImport(Glibc)
import Glibc
#endif

final class ClusterFailoverTests: XCTestCase {
    static let incrementBy = RedisScript(name: "incrementBy", source: "return redis.call('INCRBY', KEYS[1], ARGV[1])")

    private func configuration(_ seedURL: String) throws -> RedisConfiguration {
        var configuration = try RedisConfiguration(url: seedURL)
        configuration.reconnectBackoff = Backoff(initial: .milliseconds(10), maximum: .milliseconds(200), multiplier: 2)
        return configuration
    }

    /// The first error `command` fails with, retried until it fails (it may have been answered
    /// before the connection noticed the loss).
    private func firstFailure(_ command: @escaping () async throws -> RESPValue) async throws -> RedisError {
        try await eventually("the command fails") {
            do {
                _ = try await command()
                return nil
            } catch let error as RedisError {
                return error
            }
        }
    }

    func testKilledMasterIsReplacedByItsReplicaAndItsSlotsWorkAgainScriptsIncluded() async throws {
        let prefix = uniqueKeyPrefix()
        try await withPrivateTestCluster { cluster in
            let layout = try await ClusterLayout.read(cluster.seedURL)
            let keys = layout.keysOnEveryMaster(prefix)
            let victim = layout.masters[0]
            let replica = try XCTUnwrap(layout.replicas(of: victim).first)
            try await withRedisConnection(configuration: try self.configuration(cluster.seedURL)) { redis in
                for key in keys {
                    XCTAssertEqualAwaited(try await redis.evalScript(Self.incrementBy, keys: [key], arguments: ["5"]).get(), .integer(5))
                }
                // Replication is asynchronous: wait until the replica has the write before its master dies.
                try await eventually("the replica has \(keys[0])") {
                    try await withClusterNode(port: replica.port) { node in
                        _ = try await node.send(["READONLY"]).get()
                        return try await node.send(["GET", keys[0]]).get().string == "5" ? true : nil
                    }
                }
                kill(try await ClusterAdmin.processID(victim), SIGKILL)

                let failure = try await self.firstFailure { try await redis.send(["GET", keys[0]]).get() }
                XCTAssertTrue(failure.isUnavailable, "a dead master's slot is unavailable, not another error: \(failure)")

                // After the election (node timeout 2000 ms), the same connection finds the promoted
                // replica and loads the script there.
                let value = try await eventually(timeout: .seconds(30), "the promoted replica serves the slot") {
                    try await redis.evalScript(Self.incrementBy, keys: [keys[0]], arguments: ["1"]).get().int
                }
                XCTAssertEqual(value, 6, "the command ran exactly once")
                XCTAssertEqualAwaited(try await ClusterAdmin.send(["GET", keys[0]], to: replica).string, "6", "on the promoted replica")
                for key in keys.dropFirst() {
                    XCTAssertEqualAwaited(try await redis.evalScript(Self.incrementBy, keys: [key], arguments: ["1"]).get(), .integer(6))
                }
            }
        }
    }

    func testStoppedMasterFailsOnlyItsOwnSlots() async throws {
        let prefix = uniqueKeyPrefix()
        // Without full coverage the other masters keep serving while a shard is down for good.
        try await withPrivateTestCluster(redisArguments: "--cluster-require-full-coverage no") { cluster in
            let layout = try await ClusterLayout.read(cluster.seedURL)
            let keys = layout.keysOnEveryMaster(prefix)
            let victim = layout.masters[1]
            try await withRedisConnection(configuration: try self.configuration(cluster.seedURL)) { redis in
                for key in keys {
                    _ = try await redis.send(["SET", key, key]).get()
                }
                // The master and its replica: nothing can take over its slots.
                for node in [victim] + layout.replicas(of: victim) {
                    kill(try await ClusterAdmin.processID(node), SIGKILL)
                }
                let victimKey = keys[1]
                _ = try await self.firstFailure { try await redis.send(["GET", victimKey]).get() }
                for round in 0..<5 {
                    do {
                        _ = try await redis.send(["GET", victimKey]).get()
                        XCTFail("round \(round): the stopped master's slot answered")
                    } catch let error as RedisError {
                        XCTAssertTrue(error.isUnavailable, "round \(round): \(error)")
                    }
                    for (index, key) in keys.enumerated() where index != 1 {
                        XCTAssertEqualAwaited(try await redis.send(["GET", key]).get().string, key, "round \(round): other masters keep answering")
                        XCTAssertEqualAwaited(try await redis.evalScript(Self.incrementBy, keys: [key + ":n"], arguments: ["1"]).get(), .integer(Int64(round + 1)))
                    }
                }
            }
        }
    }
}
