import MetricsTestKit
import StockroomCore
import StockroomPipeline
import StockroomRedis
import TestSupport
import XCTest

/// A partition the consumers cannot read is reported — by the worker's gauge and by `status` — and
/// the other partitions keep being read meanwhile. The partition is broken for real: its stream key
/// is replaced by a string, so every read of it fails with WRONGTYPE, as a read of a partition whose
/// node is down fails with a connection error.
final class PartitionReadHealthTests: XCTestCase {
    func testAnUnreadablePartitionShowsInTheGaugeAndInStatusAndRecovers() async throws {
        try await Pipeline.with(partitions: 3) { pipeline in
            let metrics = TestMetrics()
            let journal = Journal()
            let worker = try pipeline.start(
                pipeline.configuration(.factory, consumers: 1), TestHandler("factory", journal), metricsFactory: metrics
            )
            let broken = 1
            let stream = pipeline.keys.stream(.stockEmpty, partition: broken)
            let gaugeDimensions = [("topic", "stock-empty"), ("group", "factory"), ("partition", String(broken))]

            // Every partition gets read: status shows a fresh read of each.
            try await eventually("every partition read") {
                let partitions = await PartitionStatus.read(keys: pipeline.keys, redis: pipeline.redis, subscriptions: [.factory])
                return partitions.allSatisfy { $0.failure == nil && $0.readings.allSatisfy { $0.mark != nil } } ? partitions : nil
            }

            _ = try await pipeline.redis.send(["DEL", stream]).get()
            _ = try await pipeline.redis.send(["SET", stream, "not a stream"]).get()
            try await eventually("partition \(broken) reported unreadable") {
                worker.worker.unreadablePartitions == [broken] ? true : nil
            }
            XCTAssertEqual(try metrics.expectGauge("stockroom_pipeline_partition_unreadable", gaugeDimensions).lastValue, 1)

            // Status goes by the consumers' reading marks: the broken partition's runs out, the others' are renewed.
            let partitions = try await eventually(timeout: .seconds(30), "status calls partition \(broken) unread") {
                let partitions = await PartitionStatus.read(keys: pipeline.keys, redis: pipeline.redis, subscriptions: [.factory])
                return partitions[broken].readings.first?.mark == nil ? partitions : nil
            }
            XCTAssertEqual(partitions.map(\.partition), [0, 1, 2])
            XCTAssertTrue(partitions[broken].description.hasSuffix("factory/stock-empty=UNREAD"), partitions[broken].description)
            XCTAssertEqual(partitions[broken].slot, HashSlot.of(key: pipeline.keys.tag(broken)))
            XCTAssertEqual(partitions.filter { $0.readings.first?.mark != nil }.count, 2, "\(partitions)")

            // The others are still read: an entry appended to one is delivered.
            let healthy = (0..<3).first { $0 != broken }!
            let sku = try XCTUnwrap((0..<500).map { "RH-\($0)" }.first { pipeline.keys.partition(of: $0) == healthy })
            try await pipeline.append(.stockEmpty, sku: sku)
            try await eventually("the healthy partition's entry delivered") {
                await journal.entries(of: "factory").contains { $0.fields["sku"] == sku } ? true : nil
            }

            // Repaired: the consumer creates its group again and the gauge returns to 0.
            _ = try await pipeline.redis.send(["DEL", stream]).get()
            try await eventually("partition \(broken) readable again") {
                worker.worker.unreadablePartitions.isEmpty ? true : nil
            }
            XCTAssertEqual(try metrics.expectGauge("stockroom_pipeline_partition_unreadable", gaugeDimensions).lastValue, 0)
            try await worker.shutdown()
        }
    }

    func testStatusCallsAPartitionNobodyReadsUnread() async throws {
        try await Pipeline.with(partitions: 2) { pipeline in
            try await pipeline.createGroup(.factory)
            let before = await PartitionStatus.read(keys: pipeline.keys, redis: pipeline.redis, subscriptions: [.factory])
            XCTAssertEqual(before.map { $0.readings.map(\.mark) }, [[nil], [nil]], "no worker has read anything")
            XCTAssertTrue(before[1].description.hasSuffix("factory/stock-empty=UNREAD"), before[1].description)

            let worker = try pipeline.start(pipeline.configuration(.factory, consumers: 1), TestHandler("factory", Journal()))
            let marked = try await eventually("both partitions marked") {
                let partitions = await PartitionStatus.read(keys: pipeline.keys, redis: pipeline.redis, subscriptions: [.factory])
                let marks = partitions.compactMap { $0.readings.first?.mark }
                return marks.count == 2 ? marks : nil
            }
            XCTAssertEqual(Set(marked.map(\.consumer)), Set(worker.worker.consumerNames))
            let lifetime = ReadingMark.lifetime(block: pipeline.configuration(.factory).block)
            XCTAssertTrue(marked.allSatisfy { $0.age <= lifetime }, "\(marked)")
            try await worker.shutdown()

            // The mark is what status goes by: gone (here deleted; in life, expired), the partition is unread.
            _ = try await pipeline.redis.send(["DEL", pipeline.keys.readingMarkKey(.stockEmpty, group: "factory", partition: 0)]).get()
            let after = await PartitionStatus.read(keys: pipeline.keys, redis: pipeline.redis, subscriptions: [.factory])
            XCTAssertNil(after[0].readings.first?.mark)
        }
    }
}
