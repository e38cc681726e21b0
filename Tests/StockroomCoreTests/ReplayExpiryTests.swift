import StockroomCore
import StockroomRedis
import TestSupport
import XCTest

/// The replay records of a closed bucket get their expiry from the server's pass, not from the purchase.
///
/// The windows are a billion seconds (and half a billion for an earlier one), so that no bucket turns
/// while a test runs: until 2033 the current bucket is 1, and bucket 0 is closed and expires then.
final class ReplayExpiryTests: XCTestCase {
    private let window = 1_000_000_000

    private func seconds(on redis: RedisConnection) async throws -> Int {
        let time = try await redis.send(["TIME"]).get()
        return try XCTUnwrap(time.array?.first?.string.flatMap { Int($0) })
    }

    private func shardKey(_ store: SalesStore, bucket: Int, shard: Int) -> String {
        store.keys.replayKeyPrefix(partition: 0) + ":\(bucket):\(shard)"
    }

    private func ttl(_ key: String, on redis: RedisConnection) async throws -> Int {
        let ttl = try await redis.send(["TTL", key]).get()
        return Int(try XCTUnwrap(ttl.int))
    }

    func testAPurchaseLeavesItsRecordToThePass() async throws {
        try await withStore(partitions: 1, configure: { $0.replayWindowSeconds = self.window }) { store, redis in
            _ = try await store.setStock(StockUpdate(sku: "EXP-1", stock: 5), actor: "test", on: redis).get()
            _ = try await store.purchase(PurchaseOrder(sku: "EXP-1", quantity: 1, purchaseID: "p1", customer: ""), on: redis).get()
            let bucket = try await seconds(on: redis) / window
            let key = shardKey(store, bucket: bucket, shard: KeySpace.replayShard(sku: "EXP-1", purchaseID: "p1"))
            let record = try await redis.send(["HGET", key, "EXP-1/p1"]).get().string
            XCTAssertEqual(record, "S4:1")
            let ttl = try await ttl(key, on: redis)
            XCTAssertEqual(ttl, -1, "the bucket is still open: no expiry yet")
        }
    }

    func testAdoptingRecordsTheWindowFromTheBucketBeforeTheCurrentOneAndKeepsAnEarlierRecord() async throws {
        try await withStore(partitions: 2) { store, redis in
            let expiry = ReplayExpiry(keys: store.keys, windowSeconds: window)
            try await expiry.adopt(on: redis)
            let bucket = try await seconds(on: redis) / window
            for partition in 0..<2 {
                let recorded = try await redis.send(["HGET", expiry.markerKey(partition: partition), String(window)]).get().string
                XCTAssertEqual(recorded, String(bucket - 1))
            }
            _ = try await redis.send(["HSET", expiry.markerKey(partition: 0), String(window), "7"]).get()
            try await expiry.adopt(on: redis)
            let kept = try await redis.send(["HGET", expiry.markerKey(partition: 0), String(window)]).get().string
            XCTAssertEqual(kept, "7", "another server's progress stands")
        }
    }

    func testAPassExpiresClosedBucketsOnlyAndDeletesThosePastTheirTime() async throws {
        try await withStore(partitions: 1) { store, redis in
            let expiry = ReplayExpiry(keys: store.keys, windowSeconds: window)
            let bucket = try await seconds(on: redis) / window
            _ = try await redis.send(["HSET", expiry.markerKey(partition: 0), String(window), String(bucket - 3)]).get()
            let old = shardKey(store, bucket: bucket - 2, shard: 5)
            let closed = shardKey(store, bucket: bucket - 1, shard: KeySpace.replayShards - 1)
            let open = shardKey(store, bucket: bucket, shard: 9)
            for key in [old, closed, open] { _ = try await redis.send(["HSET", key, "SKU/id", "S1:1"]).get() }

            let expired = try await expiry.pass(on: redis, logger: testLogger())

            XCTAssertEqual(expired, 2)
            let oldExists = try await redis.send(["EXISTS", old]).get().int
            XCTAssertEqual(oldExists, 0, "its time, (bucket + 2) × window, has passed")
            let closedTTL = try await ttl(closed, on: redis)
            XCTAssertTrue((1...2 * window).contains(closedTTL), "\(closedTTL)")
            let openTTL = try await ttl(open, on: redis)
            XCTAssertEqual(openTTL, -1)
            let marker = try await redis.send(["HGET", expiry.markerKey(partition: 0), String(window)]).get().string
            XCTAssertEqual(marker, String(bucket - 1))
            let again = try await expiry.pass(on: redis, logger: testLogger())
            XCTAssertEqual(again, 0, "nothing left until the next bucket closes")
        }
    }

    func testAnEarlierWindowsBucketsExpireTooAndALongGapIsCaughtUpInSteps() async throws {
        try await withStore(partitions: 1) { store, redis in
            let expiry = ReplayExpiry(keys: store.keys, windowSeconds: window)
            let now = try await seconds(on: redis)
            let earlierWindow = 500_000_000
            let earlierClosed = now / earlierWindow - 1
            _ = try await redis.send(["HSET", expiry.markerKey(partition: 0), String(earlierWindow), String(earlierClosed - 1)]).get()
            _ = try await redis.send(["HSET", expiry.markerKey(partition: 0), String(window), String(now / window - 20)]).get()
            let earlierKey = shardKey(store, bucket: earlierClosed, shard: 3)
            _ = try await redis.send(["HSET", earlierKey, "SKU/id", "S1:1"]).get()

            let expired = try await expiry.pass(on: redis, logger: testLogger())

            XCTAssertEqual(expired, 1 + ReplayExpiry.bucketsPerPass)
            let earlierTTL = try await ttl(earlierKey, on: redis)
            XCTAssertTrue((1...2 * earlierWindow).contains(earlierTTL), "\(earlierTTL)")
            let marker = try await redis.send(["HGET", expiry.markerKey(partition: 0), String(window)]).get().string
            XCTAssertEqual(marker, String(now / window - 20 + ReplayExpiry.bucketsPerPass))
        }
    }
}
