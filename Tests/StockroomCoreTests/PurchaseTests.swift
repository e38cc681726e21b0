import Logging
import NIOCore
import NIOPosix
import StockroomCore
import StockroomRedis
import TestSupport
import XCTest

final class PurchaseTests: XCTestCase {
    /// The invariant the original system broke: with stock S and N > S concurrent buyers of 1, exactly S
    /// are sold, N − S refused, stock ends at 0 (never below), and the burst opens exactly one order.
    func testConcurrentBuyersNeverOversell() async throws {
        let initialStock = 50
        let buyers = 400
        try await withStore { store, redis in
            _ = try await store.setStock(StockUpdate(sku: "CP-502101", stock: initialStock), actor: "test", on: redis).get()

            // Several connections on several threads, each with many purchases in flight at once.
            var connections = [redis]
            for loop in MultiThreadedEventLoopGroup.singleton.makeIterator().prefix(3) {
                var configuration = try RedisConfiguration(url: try await TestRedis.sharedURL())
                configuration.scripts = StockroomScripts.all
                connections.append(
                    try await RedisConnection.connect(configuration: configuration, eventLoop: loop, logger: Logger(label: "test")).get()
                )
            }
            let decisions = try await withThrowingTaskGroup(of: PurchaseDecision.self) { group in
                for buyer in 0..<buyers {
                    let connection = connections[buyer % connections.count]
                    group.addTask {
                        let order = PurchaseOrder(sku: "CP-502101", quantity: 1, purchaseID: "buyer-\(buyer)", customer: "c\(buyer)")
                        return try await store.purchase(order, on: connection).get()
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            for connection in connections.dropFirst() { try await connection.close().get() }

            let sold = decisions.filter { $0.outcome == .sold }
            let refused = decisions.filter { $0.outcome == .outOfStock }
            XCTAssertEqual(sold.count, initialStock)
            XCTAssertEqual(refused.count, buyers - initialStock)
            XCTAssertTrue(decisions.allSatisfy { !$0.isReplay })
            XCTAssertEqual(decisions.filter(\.openedFactoryOrder).count, 1, "exactly one purchase opens the order")
            XCTAssertTrue(decisions.allSatisfy { $0.stock >= 0 }, "no answer may show negative stock")
            // Every remaining count from 0 to S − 1 was handed out exactly once.
            XCTAssertEqual(Set(sold.map(\.stock)), Set(0..<initialStock))

            let level = try await store.stockLevel(of: "CP-502101", on: redis).get()
            XCTAssertEqual(level.stock, 0)
            XCTAssertEqual(level.openOrder, "CP-502101@1")

            let partition = store.keys.partition(of: "CP-502101")
            let salesEvents = try await streamEntries(store.keys.stream(.sales, partition: partition), on: redis)
            XCTAssertEqual(salesEvents.count, initialStock)
            let stockEmpty = try await streamEntries(store.keys.stream(.stockEmpty, partition: partition), on: redis)
            XCTAssertEqual(stockEmpty.count, 1, "one burst of stock-outs opens one factory order")
            XCTAssertEqual(stockEmpty.first?["order"], "CP-502101@1")
            XCTAssertEqual(stockEmpty.first?["sku"], "CP-502101")
            XCTAssertEqual(stockEmpty.first?["reorder_qty"], "100")
        }
    }

    func testRetryWithTheSamePurchaseIDReturnsTheFirstAnswerAndSellsOnce() async throws {
        try await withStore { store, redis in
            _ = try await store.setStock(StockUpdate(sku: "SKU-1", stock: 5), actor: "test", on: redis).get()
            let order = PurchaseOrder(sku: "SKU-1", quantity: 2, purchaseID: "req-1", customer: "ann")

            let first = try await store.purchase(order, on: redis).get()
            XCTAssertEqual(first, PurchaseDecision(outcome: .sold, stock: 3, isReplay: false, openedFactoryOrder: false))
            for _ in 0..<3 {
                let again = try await store.purchase(order, on: redis).get()
                XCTAssertEqual(again, PurchaseDecision(outcome: .sold, stock: 3, isReplay: true))
            }
            let stockAfter = try await store.stockLevel(of: "SKU-1", on: redis).get().stock
            XCTAssertEqual(stockAfter, 3)
            let sales = try await streamEntries(store.keys.stream(.sales, partition: store.keys.partition(of: "SKU-1")), on: redis)
            XCTAssertEqual(sales.count, 1)
            XCTAssertEqual(sales.first?["purchase"], "req-1")
            XCTAssertEqual(sales.first?["quantity"], "2")
            XCTAssertEqual(sales.first?["remaining"], "3")
            XCTAssertEqual(sales.first?["customer"], "ann")

            // The first answer is one field of the shard's hash for this replay window (ReplayExpiryTests:
            // how the hash expires once its bucket has closed).
            let partition = store.keys.partition(of: "SKU-1")
            let shard = KeySpace.replayShard(sku: "SKU-1", purchaseID: "req-1")
            let found = try await redis.send(["KEYS", store.keys.replayKeyPrefix(partition: partition) + ":*:\(shard)"]).get()
            let replayKey = try XCTUnwrap(found.array?.first?.string)
            let record = try await redis.send(["HGET", replayKey, "SKU-1/req-1"]).get().string
            let annsSHA1 = try await redis.send(["EVAL", "return redis.sha1hex(ARGV[1])", "0", "ann"]).get().string ?? ""
            XCTAssertEqual(record, "S3:2:" + annsSHA1.prefix(8), "SOLD, 3 left, 2 bought, ann's mark")
        }
    }

    /// A retry just after the replay window's bucket turned still finds the first answer: the script
    /// looks in its bucket and the one before (a record made there by hand stands for one written a
    /// moment before the turn).
    func testARetryFindsAnAnswerRecordedInThePreviousBucket() async throws {
        try await withStore { store, redis in
            _ = try await store.setStock(StockUpdate(sku: "SKU-1", stock: 5), actor: "test", on: redis).get()
            let seconds = try await redis.send(["TIME"]).get().array?.first?.string.flatMap { Int($0) } ?? 0
            let previous = seconds / store.configuration.replayWindowSeconds - 1
            let shard = KeySpace.replayShard(sku: "SKU-1", purchaseID: "late")
            let key = store.keys.replayKeyPrefix(partition: store.keys.partition(of: "SKU-1")) + ":\(previous):\(shard)"
            _ = try await redis.send(["HSET", key, "SKU-1/late", "S4:1"]).get()

            let retry = try await store.purchase(PurchaseOrder(sku: "SKU-1", quantity: 1, purchaseID: "late", customer: ""), on: redis).get()
            XCTAssertEqual(retry, PurchaseDecision(outcome: .sold, stock: 4, isReplay: true))
            let stockAfter = try await store.stockLevel(of: "SKU-1", on: redis).get().stock
            XCTAssertEqual(stockAfter, 5, "a replay sells nothing")
        }
    }

    func testARefusalIsReplayedToo() async throws {
        try await withStore { store, redis in
            _ = try await store.setStock(StockUpdate(sku: "SKU-1", stock: 0), actor: "test", on: redis).get()
            let order = PurchaseOrder(sku: "SKU-1", quantity: 1, purchaseID: "req-1", customer: "")
            let firstAnswer = try await store.purchase(order, on: redis).get()
            XCTAssertEqual(firstAnswer, PurchaseDecision(outcome: .outOfStock, stock: 0, isReplay: false, openedFactoryOrder: true))
            _ = try await store.setStock(StockUpdate(sku: "SKU-1", stock: 10), actor: "test", on: redis).get()
            // Same purchase id: the same request, so the same answer, even though stock came back.
            let retryAnswer = try await store.purchase(order, on: redis).get()
            XCTAssertEqual(retryAnswer, PurchaseDecision(outcome: .outOfStock, stock: 0, isReplay: true))
            let stockAfter = try await store.stockLevel(of: "SKU-1", on: redis).get().stock
            XCTAssertEqual(stockAfter, 10)
        }
    }

    func testReusingAPurchaseIDForAnotherPurchaseIsRefused() async throws {
        try await withStore { store, redis in
            _ = try await store.setStock(StockUpdate(sku: "SKU-1", stock: 5), actor: "test", on: redis).get()
            _ = try await store.purchase(PurchaseOrder(sku: "SKU-1", quantity: 1, purchaseID: "req-1", customer: ""), on: redis).get()
            await XCTAssertSalesError(.invalidArgument, try await store.purchase(
                PurchaseOrder(sku: "SKU-1", quantity: 2, purchaseID: "req-1", customer: ""), on: redis).get())
            // Another customer with the same id is another purchase sharing an id by mistake: refused too,
            // without naming the first customer.
            _ = try await store.purchase(PurchaseOrder(sku: "SKU-1", quantity: 1, purchaseID: "req-2", customer: "ann"), on: redis).get()
            await XCTAssertSalesError(.invalidArgument, try await store.purchase(
                PurchaseOrder(sku: "SKU-1", quantity: 1, purchaseID: "req-2", customer: "bob"), on: redis).get())
            let replay = try await store.purchase(PurchaseOrder(sku: "SKU-1", quantity: 1, purchaseID: "req-2", customer: "ann"), on: redis).get()
            XCTAssertTrue(replay.isReplay)
            let stockAfter = try await store.stockLevel(of: "SKU-1", on: redis).get().stock
            XCTAssertEqual(stockAfter, 3)
        }
    }

    /// A purchase id is scoped to its SKU: the same id for two SKUs is two purchases, each sold once
    /// and each replayed on retry, whether the SKUs share a partition or not.
    func testAPurchaseIDIsScopedToItsSKUWhateverThePartitions() async throws {
        try await withStore(partitions: 4) { store, redis in
            // SKUs in the same partition and in different ones.
            let skus = ["SKU-1", "SKU-2", "SKU-3", "SKU-4", "SKU-5"]
            XCTAssertLessThan(Set(skus.map(store.keys.partition(of:))).count, skus.count, "two share a partition")
            XCTAssertGreaterThan(Set(skus.map(store.keys.partition(of:))).count, 1, "some do not")
            for sku in skus {
                _ = try await store.setStock(StockUpdate(sku: sku, stock: 3), actor: "test", on: redis).get()
            }
            for _ in 0..<2 {
                for sku in skus {
                    let answer = try await store.purchase(PurchaseOrder(sku: sku, quantity: 1, purchaseID: "shared-id", customer: ""), on: redis).get()
                    XCTAssertEqual(answer.outcome, .sold, sku)
                    XCTAssertEqual(answer.stock, 2, sku)
                }
            }
            for sku in skus {
                let level = try await store.stockLevel(of: sku, on: redis).get()
                XCTAssertEqual(level.stock, 2, "\(sku) sold once, then replayed")
            }
        }
    }

    func testBadPurchasesAreRefusedAndChangeNothing() async throws {
        try await withStore { store, redis in
            _ = try await store.setStock(StockUpdate(sku: "SKU-1", stock: 5), actor: "test", on: redis).get()
            let before = try await countKeys(prefixed: store.keys.prefix, on: redis)

            await XCTAssertSalesError(.unknownSKU, try await store.purchase(
                PurchaseOrder(sku: "NO-SUCH", quantity: 1, purchaseID: "a", customer: ""), on: redis).get())
            await XCTAssertSalesError(.invalidArgument, try await store.purchase(
                PurchaseOrder(sku: "SKU-1", quantity: 0, purchaseID: "b", customer: ""), on: redis).get())
            await XCTAssertSalesError(.invalidArgument, try await store.purchase(
                PurchaseOrder(sku: "SKU-1", quantity: -3, purchaseID: "c", customer: ""), on: redis).get())
            await XCTAssertSalesError(.invalidArgument, try await store.purchase(
                PurchaseOrder(sku: "SKU-1", quantity: 1001, purchaseID: "d", customer: ""), on: redis).get())
            await XCTAssertSalesError(.invalidArgument, try await store.purchase(
                PurchaseOrder(sku: "bad sku", quantity: 1, purchaseID: "e", customer: ""), on: redis).get())
            await XCTAssertSalesError(.invalidArgument, try await store.purchase(
                PurchaseOrder(sku: "SKU-1", quantity: 1, purchaseID: "", customer: ""), on: redis).get())
            await XCTAssertSalesError(.invalidArgument, try await store.purchase(
                PurchaseOrder(sku: "SKU-1", quantity: 1, purchaseID: "f", customer: String(repeating: "x", count: 129)), on: redis).get())

            let keysAfter = try await countKeys(prefixed: store.keys.prefix, on: redis)
            XCTAssertEqual(keysAfter, before, "a refusal creates no key")
            let stockAfter = try await store.stockLevel(of: "SKU-1", on: redis).get().stock
            XCTAssertEqual(stockAfter, 5)
            let partition = store.keys.partition(of: "SKU-1")
            let salesEvents = try await streamEntries(store.keys.stream(.sales, partition: partition), on: redis).count
            XCTAssertEqual(salesEvents, 0)
        }
    }

    func testTheMaximumQuantityIsConfigurable() async throws {
        try await withStore(configure: { $0.maximumQuantity = 3 }) { store, redis in
            _ = try await store.setStock(StockUpdate(sku: "SKU-1", stock: 10), actor: "test", on: redis).get()
            await XCTAssertSalesError(.invalidArgument, try await store.purchase(
                PurchaseOrder(sku: "SKU-1", quantity: 4, purchaseID: "a", customer: ""), on: redis).get())
            let sold = try await store.purchase(PurchaseOrder(sku: "SKU-1", quantity: 3, purchaseID: "b", customer: ""), on: redis).get()
            XCTAssertEqual(sold.stock, 7)
        }
    }

    func testASaleDownToTheReorderPointOpensOneOrder() async throws {
        try await withStore { store, redis in
            _ = try await store.setStock(StockUpdate(sku: "SKU-1", stock: 5, reorderPoint: 2, reorderQuantity: 40), actor: "test", on: redis).get()
            for number in 0..<2 {
                _ = try await store.purchase(PurchaseOrder(sku: "SKU-1", quantity: 1, purchaseID: "p\(number)", customer: ""), on: redis).get()
            }
            let stockEmpty = store.keys.stream(.stockEmpty, partition: store.keys.partition(of: "SKU-1"))
            let eventsSoFar = try await streamEntries(stockEmpty, on: redis).count
            XCTAssertEqual(eventsSoFar, 0, "stock 3 is above the reorder point 2")

            _ = try await store.purchase(PurchaseOrder(sku: "SKU-1", quantity: 1, purchaseID: "p2", customer: ""), on: redis).get()
            var events = try await streamEntries(stockEmpty, on: redis)
            XCTAssertEqual(events.count, 1)
            XCTAssertEqual(events.first?["reason"], "reorder_point")
            XCTAssertEqual(events.first?["stock"], "2")
            XCTAssertEqual(events.first?["reorder_qty"], "40")

            // Selling out and being refused while that order is open emits nothing more.
            for number in 3..<8 {
                _ = try await store.purchase(PurchaseOrder(sku: "SKU-1", quantity: 1, purchaseID: "p\(number)", customer: ""), on: redis).get()
            }
            events = try await streamEntries(stockEmpty, on: redis)
            XCTAssertEqual(events.count, 1)
            let stockAfter = try await store.stockLevel(of: "SKU-1", on: redis).get().stock
            XCTAssertEqual(stockAfter, 0)
        }
    }

    /// A refusal opens an order only when the stock is at or below the reorder point: a purchase far
    /// larger than a full shelf must not make the shop order from the factory.
    func testATooLargeRequestOpensAnOrderOnlyAtOrBelowTheReorderPoint() async throws {
        try await withStore { store, redis in
            _ = try await store.setStock(StockUpdate(sku: "BIG-1", stock: 500, reorderPoint: 10, reorderQuantity: 40), actor: "test", on: redis).get()
            let large = try await store.purchase(PurchaseOrder(sku: "BIG-1", quantity: 1000, purchaseID: "big-1", customer: ""), on: redis).get()
            XCTAssertEqual(large.outcome, .outOfStock)
            XCTAssertEqual(large.stock, 500)
            XCTAssertFalse(large.openedFactoryOrder)
            let stockEmpty = store.keys.stream(.stockEmpty, partition: store.keys.partition(of: "BIG-1"))
            let none = try await streamEntries(stockEmpty, on: redis).filter { $0["sku"] == "BIG-1" }
            XCTAssertTrue(none.isEmpty, "stock 500 is far above the reorder point 10")
            let level = try await store.stockLevel(of: "BIG-1", on: redis).get()
            XCTAssertNil(level.openOrder)

            // At the reorder point (an operator lowered the stock), the same refusal does open one.
            _ = try await store.setStock(StockUpdate(sku: "BIG-1", stock: 10), actor: "test", on: redis).get()
            let atPoint = try await store.purchase(PurchaseOrder(sku: "BIG-1", quantity: 11, purchaseID: "big-2", customer: ""), on: redis).get()
            XCTAssertEqual(atPoint.outcome, .outOfStock)
            XCTAssertTrue(atPoint.openedFactoryOrder)
            let events = try await streamEntries(stockEmpty, on: redis).filter { $0["sku"] == "BIG-1" }
            XCTAssertEqual(events.map { $0["reason"] }, ["reorder_point"])
        }
    }

    func testAScriptFlushIsRecoveredTransparently() async throws {
        try await withStore { store, redis in
            _ = try await store.setStock(StockUpdate(sku: "SKU-1", stock: 2), actor: "test", on: redis).get()
            _ = try await redis.send(["SCRIPT", "FLUSH"]).get()
            let decision = try await store.purchase(PurchaseOrder(sku: "SKU-1", quantity: 1, purchaseID: "a", customer: ""), on: redis).get()
            XCTAssertEqual(decision, PurchaseDecision(outcome: .sold, stock: 1, isReplay: false))
        }
    }
}
