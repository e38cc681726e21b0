import Logging
import StockroomCore
import StockroomRedis
import TestSupport
import XCTest

final class KeySpaceTests: XCTestCase {
    /// The partition function decides where existing data lives: these values must never change.
    func testThePartitionHashIsStable() {
        let keys = KeySpace(partitions: 4)
        XCTAssertEqual(keys.partition(of: "CP-502101"), 2)  // FNV-1a 32: 3093449646
        XCTAssertEqual(keys.partition(of: "DEMO-1"), 0)  // 3166681872
        XCTAssertEqual(KeySpace(partitions: 8).partition(of: "CP-502101"), 6)
        XCTAssertEqual(KeySpace(partitions: 8).partition(of: "a"), 4)  // 3826002220
    }

    func testEveryKeyOfASKUSharesItsPartitionsHashTag() {
        let keys = KeySpace(partitions: 4)
        let partition = keys.partition(of: "CP-502101")
        let names = [keys.skuKey("CP-502101"), keys.purchaseKey("r1", partition: partition), keys.skuIndexKey(partition: partition)]
            + Topic.allCases.map { keys.stream($0, partition: partition) }
        XCTAssertEqual(names.map(hashTag), Array(repeating: "p2", count: names.count))
        XCTAssertEqual(keys.skuKey("CP-502101"), "stockroom:{p2}:sku:CP-502101")
        XCTAssertEqual(keys.skuKey("CP-502101", partition: partition), keys.skuKey("CP-502101"))
        XCTAssertEqual(keys.stream(.stockEmpty, partition: 2), "stockroom:{p2}:stream:stock-empty")
        XCTAssertEqual(keys.streams(.sales).count, 4)
    }

    func testThePartitionCountIsRecordedOnceAndThenWins() async throws {
        let prefix = uniqueKeyPrefix() + "stockroom"
        try await withRedisConnection(url: try await TestRedis.sharedURL()) { redis in
            var configuration = SalesConfiguration()
            configuration.partitions = 3
            let first = try await SalesStore.open(on: redis, configuration: configuration, prefix: prefix, logger: Logger(label: "test")).get()
            configuration.partitions = 16
            let second = try await SalesStore.open(on: redis, configuration: configuration, prefix: prefix, logger: Logger(label: "test")).get()
            XCTAssertEqual(first.keys.partitions, 3)
            XCTAssertEqual(second.keys.partitions, 3)
            let recordedCount = try await redis.send(["GET", "\(prefix):partitions"]).get().string
            XCTAssertEqual(recordedCount, "3")
            try await deleteKeys(prefixed: prefix, on: redis)
        }
    }

    /// The Redis Cluster hash tag: the part between the first `{` and the next `}`.
    private func hashTag(_ key: String) -> String? {
        guard let open = key.firstIndex(of: "{"), let close = key[open...].firstIndex(of: "}") else { return nil }
        return String(key[key.index(after: open)..<close])
    }
}
