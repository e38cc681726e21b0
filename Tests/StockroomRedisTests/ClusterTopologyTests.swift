// Reading CLUSTER SHARDS (the RESP2 shape Redis 7.0 sends) and seed lists in URLs.

import NIOCore
import XCTest

@testable import StockroomRedis

final class ClusterTopologyTests: XCTestCase {
    private func text(_ string: String) -> RESPValue { .bulkString(ByteBuffer(string: string)) }

    private func node(port: Int64, role: String, endpoint: String = "127.0.0.1", health: String = "online") -> RESPValue {
        .array([
            text("id"), text("id-\(port)"), text("port"), .integer(port), text("ip"), text("127.0.0.1"),
            text("endpoint"), text(endpoint), text("role"), text(role), text("replication-offset"), .integer(42),
            text("health"), text(health),
        ])
    }

    private func shard(_ bounds: [Int64], _ nodes: [RESPValue]) -> RESPValue {
        .array([text("slots"), .array(bounds.map { .integer($0) }), text("nodes"), .array(nodes)])
    }

    func testShardsWithMastersReplicasAndSeveralRanges() throws {
        let reply = RESPValue.array([
            shard([0, 5460], [node(port: 7000, role: "master"), node(port: 7004, role: "replica")]),
            shard([5461, 10922, 16000, 16383], [node(port: 7005, role: "replica"), node(port: 7001, role: "master")]),
            // A master that failed over and has no slots any more: no shard to route to.
            shard([], [node(port: 7002, role: "master", health: "fail")]),
            shard([10923, 15999], [node(port: 7003, role: "master", endpoint: "")]),
        ])
        let topology = try ClusterTopology(shardsReply: reply)
        let address = { RedisNodeAddress(host: "127.0.0.1", port: $0) }
        XCTAssertEqual(
            topology.shards,
            [
                .init(slots: [0...5460], master: address(7000), replicas: [address(7004)]),
                .init(slots: [5461...10922, 16000...16383], master: address(7001), replicas: [address(7005)]),
                .init(slots: [10923...15999], master: address(7003), replicas: []),
            ]
        )
    }

    func testMalformedRepliesAreProtocolErrors() {
        for reply in [RESPValue.integer(1), .array([.array([text("slots")])]), .array([shard([0], [node(port: 1, role: "master")])])] {
            XCTAssertThrowsError(try ClusterTopology(shardsReply: reply)) { error in
                XCTAssertEqual((error as? RedisError)?.code, .protocolError)
            }
        }
    }

    func testSeedListURL() throws {
        let configuration = try RedisConfiguration(url: "redis://user:p%40ss@10.0.0.1:7000,10.0.0.2,[::1]:7002/0")
        XCTAssertEqual(
            configuration.seeds,
            [
                RedisNodeAddress(host: "10.0.0.1", port: 7000), RedisNodeAddress(host: "10.0.0.2", port: 6379),
                RedisNodeAddress(host: "::1", port: 7002),
            ]
        )
        XCTAssertEqual(configuration.host, "10.0.0.1")
        XCTAssertEqual(configuration.password, "p@ss")
        XCTAssertEqual(configuration.url, "redis://user@10.0.0.1:7000,10.0.0.2:6379,[::1]:7002")
        for bad in ["redis://a:1,", "redis://,a:1", "redis://a:1,b:x", "redis://a:1,,b:2"] {
            XCTAssertThrowsError(try RedisConfiguration(url: bad), bad)
        }
    }
}
