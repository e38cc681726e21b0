import StockroomCore
@testable import StockroomPipeline
import StockroomRedis
import TestSupport
import XCTest

/// One shard of a Redis Cluster down for good — its master and its replica killed, on a cluster
/// without full coverage — and what the pipeline's tools make of it: the other partitions are still
/// read and swept, and every report names the partitions it could not reach.
final class ClusterOutageTests: XCTestCase {
    func testADeadShardIsNamedWhileTheOtherPartitionsAreStillReadAndSwept() async throws {
        try await withPrivateTestCluster(redisArguments: "--cluster-require-full-coverage no") { cluster in
            // Spread tags: 12 partitions, 4 on each master.
            try await Pipeline.with(url: cluster.seedURL, partitions: 12, tags: .spread) { pipeline in
                var partitionsByNode: [RedisNodeAddress: [Int]] = [:]
                for partition in 0..<pipeline.keys.partitions {
                    guard let node = await pipeline.redis.node(serving: pipeline.keys.tag(partition)) else {
                        return XCTFail("no master serves partition \(partition)")
                    }
                    partitionsByNode[node, default: []].append(partition)
                }
                // The master of partition 0, which serves the lowest slots: keyless commands (`TIME`) go
                // there while it is up, and must go elsewhere once it is dead.
                let victim = try XCTUnwrap(partitionsByNode.first { $0.value.contains(0) }?.key)
                let lost = partitionsByNode[victim] ?? []
                let survivor = try XCTUnwrap((0..<pipeline.keys.partitions).first { !lost.contains($0) })
                XCTAssertEqual(lost.count, 4)

                // A worker of another group than the one the sweeper is shown to sweep, so that it takes
                // none of the entries the test leaves pending by hand.
                let worker = try pipeline.start(pipeline.configuration(.warehouse, consumers: 1), TestHandler("warehouse", Journal()))
                let sweeper = Sweeper(
                    groups: [pipeline.configuration(.factory, visibility: .milliseconds(100), maxDeliveries: 3)],
                    keys: pipeline.keys,
                    redis: try RedisConfiguration(url: pipeline.url),
                    eventLoopGroup: testEventLoop(),
                    logger: pipeline.logger
                )
                _ = try await sweeper.sweep(on: pipeline.redis)  // creates the groups everywhere

                // Both of the victim's nodes die: its replica first, so that nobody takes over.
                let replicaPort = try await withClusterNode(port: victim.port) { node in
                    let role = try await node.send(["ROLE"]).get()
                    return role.array?.dropFirst(2).first?.array?.first?.array?.dropFirst().first?.string.flatMap { Int($0) }
                }
                try cluster.killNode(port: try XCTUnwrap(replicaPort, "the victim's replica"))
                try cluster.killNode(port: victim.port)

                // An entry of a surviving partition whose last allowed delivery was never finished.
                let sku = try XCTUnwrap((0..<500).map { "OUT-\($0)" }.first { pipeline.keys.partition(of: $0) == survivor })
                let (stream, id) = try await pipeline.append(.stockEmpty, sku: sku)
                _ = try await pipeline.redis.send(["XREADGROUP", "GROUP", "factory", "gone", "COUNT", "1", "STREAMS", stream, ">"]).get()
                _ = try await pipeline.redis.send(["XCLAIM", stream, "factory", "gone", "0", id, "RETRYCOUNT", "3"]).get()

                var deadLettered = 0
                let report = try await eventually(timeout: .seconds(30), "a sweep that skips the dead shard and sweeps the rest") {
                    let report = try await sweeper.sweep(on: pipeline.redis)
                    deadLettered += report.deadLettered
                    return report.unreachablePartitions == lost && deadLettered == 1 ? report : nil
                }
                let factory = try XCTUnwrap(report.statuses.first)
                XCTAssertEqual(factory.unreachablePartitions, lost)
                XCTAssertEqual(factory.deadLetters, 1, "counted on the surviving partition")

                let partitions = await PartitionStatus.read(keys: pipeline.keys, redis: pipeline.redis, subscriptions: [.factory])
                XCTAssertEqual(partitions.filter { $0.failure != nil }.map(\.partition), lost)
                XCTAssertEqual(Set(partitions.compactMap(\.node)), Set(partitionsByNode.keys), "each partition's node, the dead one too")

                // The dead letters of the surviving partitions are still listed; the page names the others.
                let letters = try await pipeline.deadLetters.page(DeadLetterQuery(subscription: .factory))
                XCTAssertEqual(letters.unreachablePartitions, lost)
                XCTAssertEqual(letters.letters.map(\.partition), [survivor])

                try await eventually("the worker reports exactly the dead shard's partitions") {
                    worker.worker.unreadablePartitions == lost ? true : nil
                }
                await worker.cancel()
            }
        }
    }
}
