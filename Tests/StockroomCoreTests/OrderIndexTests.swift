import StockroomCore
import StockroomRedis
import XCTest

/// The order-state indexes page every order once, newest first, however many share a millisecond.
final class OrderIndexTests: XCTestCase {
    /// 450 orders cancelled in one millisecond (as one purge of a big backlog does) and 30 delivered
    /// at other times, spread over the partitions: pages of 50 show each order once, in cursor order.
    func testPagesShowEveryOrderOnceThroughTies() async throws {
        try await withStore { store, redis in
            let keys = store.keys
            var expected: Set<String> = []
            for number in 1...480 {
                let sku = "TIE-\(number % 37)"
                let order = "\(sku)@\(number)"
                let partition = keys.partition(of: sku)
                let state = number <= 450 ? "cancelled" : "delivered"
                let at = number <= 450 ? 1_000 : 2_000 + number
                _ = try await redis.send(["HSET", keys.orderKey(order, partition: partition), "sku", sku, "status", state]).get()
                _ = try await redis.send(["ZADD", keys.orderStateKey(state, partition: partition), String(at), order]).get()
                expected.insert(order)
            }
            let index = OrderIndex(keys: keys, redis: redis)

            var query = OrderQuery(pageSize: 50)
            var seen: [OrderPageCursor] = []
            var pages = 0
            repeat {
                let page = try await index.page(query)
                seen += page.rows.map { OrderPageCursor(at: $0.stateSince ?? -1, partition: $0.partition, order: $0.record.order) }
                query.after = page.next
                pages += 1
            } while query.after != nil && pages < 100
            XCTAssertEqual(seen.count, 480)
            XCTAssertEqual(Set(seen.map(\.order)), expected)
            XCTAssertEqual(seen, seen.sorted(by: >), "newest first, ties in cursor order")
            XCTAssertEqual(seen.prefix(30).map(\.at).min(), 2_451, "the delivered orders come first")

            let cancelled = try await FactoryOrders(keys: keys, redis: redis).list(state: .cancelled)
            XCTAssertEqual(cancelled.records.count, 450)
            XCTAssertEqual(cancelled.unreachablePartitions, [])
            XCTAssertTrue(cancelled.records.allSatisfy { $0.status == .cancelled })
        }
    }

    /// 450 orders of one SKU (one partition, one index) in one millisecond: more ties than one read
    /// of the index holds, so a page reads on past the ties it showed before.
    func testTiesBeyondOneReadOfTheIndexArePagedThrough() async throws {
        try await withStore { store, redis in
            let keys = store.keys
            let partition = keys.partition(of: "TIE-A")
            for number in 1...450 {
                let order = "TIE-A@\(number)"
                _ = try await redis.send(["HSET", keys.orderKey(order, partition: partition), "sku", "TIE-A", "status", "expired"]).get()
                _ = try await redis.send(["ZADD", keys.orderStateKey("expired", partition: partition), "5000", order]).get()
            }
            let index = OrderIndex(keys: keys, redis: redis)
            var query = OrderQuery(state: .expired, pageSize: 50)
            var seen: [String] = []
            var pages = 0
            repeat {
                let page = try await index.page(query)
                seen += page.rows.map(\.record.order)
                query.after = page.next
                pages += 1
            } while query.after != nil && pages < 100
            XCTAssertEqual(seen.count, 450)
            XCTAssertEqual(Set(seen).count, 450, "each once")
            XCTAssertEqual(pages, 9)
        }
    }

    /// A SKU's orders by number, newest first, and only those in the state asked for.
    func testASKUsOrdersAreWalkedByNumber() async throws {
        try await withStore { store, redis in
            let keys = store.keys
            let sku = "SEQ-1"
            let partition = keys.partition(of: sku)
            _ = try await store.setStock(StockUpdate(sku: sku, stock: 0), actor: "test", on: redis).get()
            _ = try await redis.send(["HSET", keys.skuKey(sku, partition: partition), "order_seq", "7"]).get()
            for number in 1...7 {
                let status = number % 2 == 0 ? "delivered" : "expired"
                _ = try await redis.send(["HSET", keys.orderKey("\(sku)@\(number)", partition: partition), "sku", sku, "status", status]).get()
            }
            let index = OrderIndex(keys: keys, redis: redis)
            let first = try await index.page(OrderQuery(sku: sku, pageSize: 3))
            XCTAssertEqual(first.rows.map(\.record.order), ["SEQ-1@7", "SEQ-1@6", "SEQ-1@5"])
            let second = try await index.page(OrderQuery(sku: sku, after: first.next, pageSize: 3))
            XCTAssertEqual(second.rows.map(\.record.order), ["SEQ-1@4", "SEQ-1@3", "SEQ-1@2"])
            let third = try await index.page(OrderQuery(sku: sku, after: second.next, pageSize: 3))
            XCTAssertEqual(third.rows.map(\.record.order), ["SEQ-1@1"])
            XCTAssertNil(third.next)

            let delivered = try await index.page(OrderQuery(state: .delivered, sku: sku, pageSize: 10))
            XCTAssertEqual(delivered.rows.map(\.record.order), ["SEQ-1@6", "SEQ-1@4", "SEQ-1@2"])
            XCTAssertNil(delivered.next)
        }
    }

    func testCursorsRoundTripAndRefuseGarbage() {
        let cursor = OrderPageCursor(at: 1_700_000_000_123, partition: 3, order: "CP-5_0.1:x@12")
        XCTAssertEqual(OrderPageCursor(cursor.description), cursor)
        XCTAssertNil(OrderPageCursor("12-3"))
        XCTAssertNil(OrderPageCursor("x-3-A@1"))
        XCTAssertNil(OrderPageCursor("12-3-not an order"))
    }
}

/// Data written before the indexes existed is indexed by `IndexRebuild`, once, idempotently.
final class IndexRebuildTests: XCTestCase {
    func testRecordsWithoutIndexEntriesAreIndexedAndARerunChangesNothing() async throws {
        try await withStore { store, redis in
            let keys = store.keys
            // As an older version wrote them: hashes, no index entries.
            for sku in ["OLD-1", "OLD-2", "OLD-3"] {
                _ = try await redis.send(["HSET", keys.skuKey(sku), "sku", sku, "stock", "4", "reorder_point", "0", "reorder_qty", "10"]).get()
            }
            let partition = keys.partition(of: "OLD-1")
            _ = try await redis.send([
                "HSET", keys.orderKey("OLD-1@1", partition: partition), "sku", "OLD-1", "status", "delivered", "opened_at", "1000",
                "delivered_at", "2000",
            ]).get()
            // An index entry left in a state the record has since left.
            _ = try await redis.send(["ZADD", keys.orderStateKey("open", partition: partition), "1000", "OLD-1@1"]).get()
            let directory = SKUDirectory(keys: keys, redis: redis)
            let before = try await directory.page(prefix: "OLD-", after: nil, pageSize: 10)
            XCTAssertTrue(before.levels.isEmpty, "nothing is indexed yet")

            var reported: [IndexRebuild.Progress] = []
            try await IndexRebuild(keys: keys, redis: redis).run { reported.append($0) }
            XCTAssertEqual(reported.count, keys.partitions)
            XCTAssertEqual(reported.reduce(0) { $0 + $1.skus }, 3)
            XCTAssertEqual(reported.reduce(0) { $0 + $1.orders }, 1)

            let after = try await directory.page(prefix: "OLD-", after: nil, pageSize: 10)
            XCTAssertEqual(after.levels.map(\.sku), ["OLD-1", "OLD-2", "OLD-3"])
            let index = OrderIndex(keys: keys, redis: redis)
            let delivered = try await index.page(OrderQuery(state: .delivered))
            XCTAssertEqual(delivered.rows.map(\.record.order), ["OLD-1@1"])
            XCTAssertEqual(delivered.rows.first?.stateSince, 2000)
            let open = try await index.page(OrderQuery(state: .open))
            XCTAssertTrue(open.rows.isEmpty, "the stale entry is gone")

            try await IndexRebuild(keys: keys, redis: redis).run { _ in }
            let again = try await index.page(OrderQuery())
            XCTAssertEqual(again.rows.map(\.record.order), ["OLD-1@1"], "a second run changes nothing")
        }
    }
}
