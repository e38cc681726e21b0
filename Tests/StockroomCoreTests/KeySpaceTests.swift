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
        let names = [keys.skuKey("CP-502101"), keys.replayKeyPrefix(partition: partition), keys.skuNamesKey(partition: partition)]
            + Topic.allCases.map { keys.stream($0, partition: partition) }
        XCTAssertEqual(names.map(hashTag), Array(repeating: "p2", count: names.count))
        XCTAssertEqual(keys.skuKey("CP-502101"), "stockroom:{p2}:sku:CP-502101")
        XCTAssertEqual(keys.skuKey("CP-502101", partition: partition), keys.skuKey("CP-502101"))
        XCTAssertEqual(keys.stream(.stockEmpty, partition: 2), "stockroom:{p2}:stream:stock-empty")
        XCTAssertEqual(keys.streams(.sales).count, 4)
    }

    func testThePartitionCountIsRecordedOnceAndThenWins() async throws {
        try await withKeyPrefix { prefix, redis in
            let first = try await KeySpace.open(on: redis, configured: 3, prefix: prefix + "stockroom", logger: testLogger()).get()
            let second = try await KeySpace.open(on: redis, configured: 16, prefix: prefix + "stockroom", logger: testLogger()).get()
            let recorded = try await KeySpace.recorded(on: redis, prefix: prefix + "stockroom")
            XCTAssertEqual([first.partitions, second.partitions, recorded.partitions], [3, 3, 3])
            let recordedCount = try await redis.send(["GET", "\(prefix)stockroom:partitions"]).get().string
            XCTAssertEqual(recordedCount, "3/spread", "new data gets spread tags")
            XCTAssertEqual([first.tags, second.tags, recorded.tags], [.spread, .spread, .spread])
        }
    }

    /// Data created before the tags were spread records a plain count and keeps its `{pN}` tags.
    func testDataWithAPlainCountKeepsItsNumberedTags() async throws {
        try await withKeyPrefix { prefix, redis in
            _ = try await redis.send(["SET", "\(prefix)stockroom:partitions", "4"]).get()
            let opened = try await KeySpace.open(on: redis, configured: 12, prefix: prefix + "stockroom", logger: testLogger()).get()
            XCTAssertEqual(opened.partitions, 4)
            XCTAssertEqual(opened.tags, .numbered)
            XCTAssertEqual(opened.stream(.sales, partition: 2), "\(prefix)stockroom:{p2}:stream:sales")
            _ = try await redis.send(["SET", "\(prefix)stockroom:partitions", "4/sideways"]).get()
            await XCTAssertSalesError(.internalError, try await KeySpace.recorded(on: redis, prefix: prefix + "stockroom"))
        }
    }

    func testWorkersRefuseARedisWithoutStockroomData() async throws {
        try await withKeyPrefix { prefix, redis in
            await XCTAssertSalesError(.uninitialized, try await KeySpace.recorded(on: redis, prefix: prefix + "stockroom"))
            _ = try await redis.send(["SET", "\(prefix)stockroom:partitions", "zero"]).get()
            await XCTAssertSalesError(.internalError, try await KeySpace.recorded(on: redis, prefix: prefix + "stockroom"))
        }
    }

    /// The Redis Cluster hash tag: the part between the first `{` and the next `}`.
    private func hashTag(_ key: String) -> String? {
        guard let open = key.firstIndex(of: "{"), let close = key[open...].firstIndex(of: "}") else { return nil }
        return String(key[key.index(after: open)..<close])
    }
}
