// run(_:then:): a command after a script on the very connection that ran it (WAIT counts only
// its own connection's writes), on a single Redis and on a cluster.

import NIOCore
import TestSupport
import XCTest

@testable import StockroomRedis

final class ScriptFollowerTests: XCTestCase {
    static let setTo = RedisScript(name: "setTo", source: "return redis.call('SET', KEYS[1], ARGV[1])")

    func testTheFollowerSeesTheScriptsWriteEvenAfterNOSCRIPT() async throws {
        // A private server: SCRIPT FLUSH would disturb other tests sharing a Redis.
        try await withRedisServer { server in
            try await withRedisConnection(url: server.url) { redis in
                let first = try await redis.run(ScriptCall(Self.setTo, keys: ["k"], arguments: ["1"]), then: ["WAIT", "0", "0"]).get()
                XCTAssertEqual(first.script.string, "OK")
                XCTAssertEqual(first.follower, .integer(0), "no replicas")

                _ = try await redis.send(["SCRIPT", "FLUSH"]).get()
                // NOSCRIPT, reload, run again: each follower still comes after its own script's write
                // (sent behind the first EVALSHA, a GET would find nothing).
                let calls = (0..<50).map { redis.run(ScriptCall(Self.setTo, keys: ["k\($0)"], arguments: ["\($0)"]), then: ["GET", "k\($0)"]) }
                for (index, call) in calls.enumerated() {
                    let (script, follower) = try await call.get()
                    XCTAssertEqual(script.string, "OK")
                    XCTAssertEqual(follower.string, "\(index)")
                }
            }
        }
    }

    func testOnAClusterTheFollowerGoesToTheMasterThatRanTheScript() async throws {
        try await withTestCluster { seedURL in
            let layout = try await ClusterLayout.read(seedURL)
            let keys = layout.keysOnEveryMaster(uniqueKeyPrefix())
            try await withRedisConnection(url: seedURL) { redis in
                for (key, master) in zip(keys, layout.masters) {
                    let call = ScriptCall(Self.setTo, keys: [key], arguments: ["v"])
                    let (_, nodeID) = try await redis.run(call, then: ["CLUSTER", "MYID"]).get()
                    XCTAssertEqualAwaited(nodeID.string, try await ClusterAdmin.nodeID(master), "\(key)")
                    let (_, replicas) = try await redis.run(call, then: ["WAIT", "1", "5000"]).get()
                    XCTAssertEqual(replicas, .integer(1), "\(key): its master's replica has the write")
                    _ = try await redis.send(["DEL", key]).get()
                }
            }
        }
    }
}
