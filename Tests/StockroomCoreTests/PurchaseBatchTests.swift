import StockroomCore
import StockroomRedis
import TestSupport
import XCTest

/// Several purchases of one partition decided by one script call: each exactly as if it ran alone
/// after the ones before it.
final class PurchaseBatchTests: XCTestCase {
    private func order(_ sku: String, _ quantity: Int, _ id: String, customer: String = "") -> PurchaseOrder {
        PurchaseOrder(sku: sku, quantity: quantity, purchaseID: id, customer: customer)
    }

    func testABatchSellsInOrderReplaysWithinItselfAndOpensOneOrder() async throws {
        try await withStore(partitions: 1) { store, redis in
            _ = try await store.setStock(StockUpdate(sku: "BATCH-1", stock: 3, reorderPoint: 0, reorderQuantity: 9), actor: "test", on: redis).get()
            let orders = [
                order("BATCH-1", 2, "a"),
                order("BATCH-1", 2, "b"),  // only 1 left: refused
                order("BATCH-1", 2, "a"),  // a retry of the first, in the same batch: its answer again
                order("BATCH-1", 1, "c"),  // the last unit: sold out, the order opens here
                order("BATCH-1", 1, "d"),  // refused at 0: the order is already open
                order("NOPE-1", 1, "e"),   // an unknown SKU refuses this one only
                order("BATCH-1", 3, "a"),  // the first id for another quantity: invalid
            ]
            let results = try await store.purchases(orders, partition: 0, on: redis).get()
            let decisions = results.map { try? $0.get() }
            XCTAssertEqual(decisions[0], PurchaseDecision(outcome: .sold, stock: 1, isReplay: false))
            XCTAssertEqual(decisions[1], PurchaseDecision(outcome: .outOfStock, stock: 1, isReplay: false))
            XCTAssertEqual(decisions[2], PurchaseDecision(outcome: .sold, stock: 1, isReplay: true))
            XCTAssertEqual(decisions[3], PurchaseDecision(outcome: .sold, stock: 0, isReplay: false, openedFactoryOrder: true))
            XCTAssertEqual(decisions[4], PurchaseDecision(outcome: .outOfStock, stock: 0, isReplay: false))
            XCTAssertThrowsError(try results[5].get()) { XCTAssertEqual(($0 as? SalesError)?.code, .unknownSKU) }
            XCTAssertThrowsError(try results[6].get()) { XCTAssertEqual(($0 as? SalesError)?.code, .invalidArgument) }

            let sales = try await streamEntries(store.keys.stream(.sales, partition: 0), on: redis)
            XCTAssertEqual(sales.map { $0["purchase"] }, ["a", "c"], "each sale once, in order")
            let stockEmpty = try await streamEntries(store.keys.stream(.stockEmpty, partition: 0), on: redis)
            XCTAssertEqual(stockEmpty.map { $0["order"] }, ["BATCH-1@1"], "one order per stock-out")
            let level = try await store.stockLevel(of: "BATCH-1", on: redis).get()
            XCTAssertEqual(level.stock, 0)

            // The next batch replays what this one decided.
            let again = try await store.purchases([order("BATCH-1", 1, "d"), order("BATCH-1", 1, "c")], partition: 0, on: redis).get()
            XCTAssertEqual(again.map { try? $0.get() }, [
                PurchaseDecision(outcome: .outOfStock, stock: 0, isReplay: true),
                PurchaseDecision(outcome: .sold, stock: 0, isReplay: true),
            ])
        }
    }
}
