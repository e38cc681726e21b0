// A RedisConnection on a real Redis Cluster: commands reach the master of their slot from any node
// or seed list, scripts run on every master, and MOVED and ASK are followed.

import NIOCore
import TestSupport
import XCTest

@testable import StockroomRedis

final class ClusterRoutingTests: XCTestCase {
    private func deleteKeys(_ keys: [String], seedURL: String) async throws {
        try await withRedisConnection(url: seedURL) { redis in
            for key in keys {
                _ = try await redis.send(["DEL", key]).get()
            }
        }
    }

    func testCommandsReachEveryMasterThroughAnyNodeAndSeedList() async throws {
        try await withTestCluster { seedURL in
            let layout = try await ClusterLayout.read(seedURL)
            XCTAssertEqual(layout.masters.count, 3)
            let keys = layout.keysOnEveryMaster(uniqueKeyPrefix())
            let downPort = try freeLoopbackPort()
            let urls = layout.allNodes.map { "redis://\($0)" } + ["redis://127.0.0.1:\(downPort),\(seedURL.dropFirst("redis://".count))"]
            for url in urls {
                try await withRedisConnection(url: url) { redis in
                    for key in keys {
                        _ = try await redis.send(["SET", key, url]).get()
                        let value = try await redis.send(["GET", key]).get()
                        XCTAssertEqual(value.string, url, "\(key) through \(url)")
                    }
                    // Pipelined, interleaved over all masters.
                    let increments = (0..<300).map { redis.send(["INCR", keys[$0 % keys.count] + ":n"]) }
                    var last: [Int64] = Array(repeating: 0, count: keys.count)
                    for (index, increment) in increments.enumerated() {
                        let value = try await increment.get().int ?? -1
                        XCTAssertGreaterThan(value, last[index % keys.count], "replies in order per key")
                        last[index % keys.count] = value
                    }
                    // Keyless commands work too.
                    XCTAssertEqualAwaited(try await redis.send(["PING"]).get().string, "PONG")
                }
            }
            // Each key really is on the master that serves its slot, and nowhere else.
            for (key, master) in zip(keys, layout.masters) {
                let stored = try await ClusterAdmin.send(["GET", key], to: master)
                XCTAssertEqual(stored.string, urls.last, "\(key) on \(master)")
            }
            try await self.deleteKeys(keys + keys.map { $0 + ":n" }, seedURL: seedURL)
        }
    }

    func testScriptsRunOnEveryMasterAndSurviveAScriptFlush() async throws {
        let prefix = uniqueKeyPrefix()
        // A script of this test's own: loaded nowhere yet.
        let script = RedisScript(name: "appendAndCount", source: "-- \(prefix)\nredis.call('RPUSH', KEYS[1], ARGV[1]) return redis.call('LLEN', KEYS[1])")
        try await withTestCluster { seedURL in
            let layout = try await ClusterLayout.read(seedURL)
            let keys = layout.keysOnEveryMaster(prefix)
            try await withRedisConnection(url: seedURL) { redis in
                for key in keys {
                    XCTAssertEqualAwaited(try await redis.evalScript(script, keys: [key], arguments: ["a"]).get(), .integer(1))
                }
                for master in layout.masters {
                    XCTAssertEqualAwaited(try await ClusterAdmin.send(["SCRIPT", "EXISTS", script.sha1], to: master), .array([.integer(1)]))
                    _ = try await ClusterAdmin.send(["SCRIPT", "FLUSH"], to: master)
                }
                // Every master answers NOSCRIPT once; each node's connection loads it again.
                let calls = (0..<30).map { redis.run(ScriptCall(script, keys: [keys[$0 % keys.count]], arguments: ["b"])) }
                var lengths: [Int64] = []
                for call in calls {
                    lengths.append(try await call.get().int ?? -1)
                }
                XCTAssertEqual(lengths.sorted(), (0..<30).map { Int64(2 + $0 / keys.count) }.sorted())
            }
            try await self.deleteKeys(keys, seedURL: seedURL)
        }
    }

    func testMovedSlotIsFollowed() async throws {
        try await withTestCluster { seedURL in
            let layout = try await ClusterLayout.read(seedURL)
            let (source, target, key, slot) = layout.slotMove(uniqueKeyPrefix(), from: 0, to: 1)
            try await withRedisConnection(url: seedURL) { redis in
                _ = try await redis.send(["SET", key, "before"]).get()
                try await ClusterAdmin.moveSlot(slot, keys: [key], from: source, to: target, masters: layout.masters)
                do {
                    // The connection's map still names the source: it answers MOVED, and the command follows.
                    XCTAssertEqualAwaited(try await redis.send(["GET", key]).get().string, "before")
                    _ = try await redis.send(["SET", key, "after"]).get()
                    XCTAssertEqualAwaited(try await ClusterAdmin.send(["GET", key], to: target).string, "after")
                    _ = try await redis.send(["DEL", key]).get()
                } catch {
                    try? await ClusterAdmin.moveSlot(slot, keys: [key], from: target, to: source, masters: layout.masters)
                    throw error
                }
                try await ClusterAdmin.moveSlot(slot, keys: [], from: target, to: source, masters: layout.masters)
                // And back again.
                _ = try await redis.send(["SET", key, "home"]).get()
                XCTAssertEqualAwaited(try await ClusterAdmin.send(["GET", key], to: source).string, "home")
                _ = try await redis.send(["DEL", key]).get()
            }
        }
    }

    func testAskDuringAMigrationIsFollowedWithoutChangingTheMap() async throws {
        try await withTestCluster { seedURL in
            let layout = try await ClusterLayout.read(seedURL)
            let (source, target, base, slot) = layout.slotMove(uniqueKeyPrefix(), from: 0, to: 2)
            let (moved, staying, created) = (base + ":moved", base + ":staying", base + ":created")
            let script = RedisScript(name: "getPlusOne", source: "return redis.call('INCR', KEYS[1])")
            try await withRedisConnection(url: seedURL) { redis in
                _ = try await redis.send(["SET", moved, "10"]).get()
                _ = try await redis.send(["SET", staying, "20"]).get()
                try await ClusterAdmin.withHalfMigratedSlot(
                    slot, keys: [moved, staying, created], movedFirst: [moved], from: source, to: target, masters: layout.masters,
                    during: {
                        let askingBefore = try await ClusterAdmin.calls(of: "ASKING", on: target)
                        // The source no longer has it: ASK, then ASKING + the command on the target.
                        XCTAssertEqualAwaited(try await redis.send(["GET", moved]).get().string, "10")
                        XCTAssertEqualAwaited(try await redis.evalScript(script, keys: [moved], arguments: []).get(), .integer(11))
                        // A new key of a migrating slot is created on the target.
                        _ = try await redis.send(["SET", created, "new"]).get()
                        XCTAssertEqualAwaited(try await ClusterAdmin.calls(of: "ASKING", on: target), askingBefore + 3)
                        XCTAssertEqualAwaited(
                            try await ClusterAdmin.send(["CLUSTER", "COUNTKEYSINSLOT", String(slot)], to: target), .integer(2)
                        )
                        // The map was not changed: a key still on the source is served by it directly.
                        XCTAssertEqualAwaited(try await redis.send(["GET", staying]).get().string, "20")
                        XCTAssertEqualAwaited(try await ClusterAdmin.calls(of: "ASKING", on: target), askingBefore + 3)
                    },
                    after: {
                        // The target owns the slot now: MOVED, and the map follows.
                        XCTAssertEqualAwaited(try await redis.send(["GET", staying]).get().string, "20")
                        XCTAssertEqualAwaited(try await redis.send(["GET", moved]).get().string, "11")
                    }
                )
                // And back on the source.
                XCTAssertEqualAwaited(try await redis.send(["GET", created]).get().string, "new")
                _ = try await redis.send(["DEL", moved, staying, created]).get()
            }
        }
    }

    func testTryAgainIsRetriedWithinTheBudgetThenUnavailable() async throws {
        try await withTestCluster { seedURL in
            let layout = try await ClusterLayout.read(seedURL)
            let (source, target, base, slot) = layout.slotMove(uniqueKeyPrefix(), from: 1, to: 0)
            let (moved, staying) = (base + ":moved", base + ":staying")
            try await withRedisConnection(url: seedURL) { redis in
                _ = try await redis.send(["MSET", moved, "1", staying, "2"]).get()
                try await ClusterAdmin.withHalfMigratedSlot(
                    slot, keys: [moved, staying], movedFirst: [moved], from: source, to: target,
                    masters: layout.masters,
                    during: {
                        // Half of a multi-key command's keys have moved: TRYAGAIN for as long as that lasts.
                        do {
                            _ = try await redis.send(["MGET", moved, staying]).get()
                            XCTFail("a multi-key command over a half-migrated slot cannot be served")
                        } catch let error as RedisError {
                            XCTAssertEqual(error.code, .clusterDown, "\(error)")
                            XCTAssertTrue(error.isUnavailable)
                            XCTAssertTrue(error.message.contains("TRYAGAIN"), error.message)
                        }
                    },
                    after: {
                        let values = try await redis.send(["MGET", moved, staying]).get()
                        XCTAssertEqual(values.array?.compactMap(\.string), ["1", "2"])
                    }
                )
                _ = try await redis.send(["DEL", moved, staying]).get()
            }
        }
    }
}
