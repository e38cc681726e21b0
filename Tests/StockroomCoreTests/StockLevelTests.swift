import StockroomCore
import StockroomRedis
import TestSupport
import XCTest

final class StockLevelTests: XCTestCase {
    func testANewSKUGetsTheDefaultReorderSettings() async throws {
        try await withStore(configure: { $0.defaultReorderQuantity = 25 }) { store, redis in
            let created = try await store.setStock(StockUpdate(sku: "SKU-1", stock: 7), actor: "test", on: redis).get()
            XCTAssertEqual(created, StockLevel(sku: "SKU-1", stock: 7, reorderPoint: 0, reorderQuantity: 25, openOrder: nil))
            let readBack = try await store.stockLevel(of: "SKU-1", on: redis).get()
            XCTAssertEqual(readBack, created)

            // Plain fields, so that `redis-cli HGETALL` reads like the docs.
            let fields = try await hashFields(store.keys.skuKey("SKU-1"), on: redis)
            XCTAssertEqual(fields, ["sku": "SKU-1", "stock": "7", "reorder_point": "0", "reorder_qty": "25"])
        }
    }

    func testSettingStockKeepsReorderSettingsUnlessGiven() async throws {
        try await withStore { store, redis in
            _ = try await store.setStock(StockUpdate(sku: "SKU-1", stock: 7, reorderPoint: 3, reorderQuantity: 50), actor: "test", on: redis).get()
            let changed = try await store.setStock(StockUpdate(sku: "SKU-1", stock: 9), actor: "test", on: redis).get()
            XCTAssertEqual(changed, StockLevel(sku: "SKU-1", stock: 9, reorderPoint: 3, reorderQuantity: 50, openOrder: nil))
            let again = try await store.setStock(StockUpdate(sku: "SKU-1", stock: 1, reorderQuantity: 10), actor: "test", on: redis).get()
            XCTAssertEqual(again, StockLevel(sku: "SKU-1", stock: 1, reorderPoint: 3, reorderQuantity: 10, openOrder: nil))
            let members = try await redis.send(["ZRANGE", store.keys.skuNamesKey(partition: store.keys.partition(of: "SKU-1")), "0", "-1"]).get()
            XCTAssertEqual(members.array?.compactMap(\.string), ["SKU-1"])
        }
    }

    func testBadStockUpdatesAreRefusedAndChangeNothing() async throws {
        try await withStore { store, redis in
            _ = try await store.setStock(StockUpdate(sku: "SKU-1", stock: 7), actor: "test", on: redis).get()
            await XCTAssertSalesError(.invalidArgument, try await store.setStock(StockUpdate(sku: "SKU-1", stock: -1), actor: "test", on: redis).get())
            await XCTAssertSalesError(.invalidArgument, try await store.setStock(StockUpdate(sku: "SKU-1", stock: 1, reorderPoint: -1), actor: "test", on: redis).get())
            await XCTAssertSalesError(.invalidArgument, try await store.setStock(StockUpdate(sku: "SKU-1", stock: 1, reorderQuantity: 0), actor: "test", on: redis).get())
            await XCTAssertSalesError(.invalidArgument, try await store.setStock(StockUpdate(sku: "", stock: 1), actor: "test", on: redis).get())
            await XCTAssertSalesError(.invalidArgument, try await store.setStock(StockUpdate(sku: String(repeating: "A", count: 65), stock: 1), actor: "test", on: redis).get())
            await XCTAssertSalesError(.invalidArgument, try await store.setStock(StockUpdate(sku: "a{b}", stock: 1), actor: "test", on: redis).get())
            let stockAfter = try await store.stockLevel(of: "SKU-1", on: redis).get().stock
            XCTAssertEqual(stockAfter, 7)
        }
    }

    /// Every count has a documented range (0 … 10^15 for stock): the bounds are accepted and stored
    /// exactly, anything past them is refused and changes nothing. 2^63−1 once turned into a double.
    func testCountsOutsideTheirRangeAreRefusedAndTheBoundsStoredExactly() async throws {
        try await withStore { store, redis in
            let top = NumberRanges.stock.upperBound
            let set = try await store.setStock(
                StockUpdate(sku: "BIG-1", stock: top, reorderPoint: NumberRanges.reorderPoint.upperBound,
                    reorderQuantity: NumberRanges.reorderQuantity.upperBound), actor: "test", on: redis
            ).get()
            XCTAssertEqual(set.stock, top)
            let stored = try await hashFields(store.keys.skuKey("BIG-1"), on: redis)
            XCTAssertEqual(stored["stock"], "1000000000000000", "digits, never an exponent or a rounded double")
            XCTAssertEqual(stored["reorder_point"], "1000000000000000")
            XCTAssertEqual(stored["reorder_qty"], "1000000")
            let sold = try await store.purchase(PurchaseOrder(sku: "BIG-1", quantity: 1, purchaseID: "big", customer: ""), on: redis).get()
            XCTAssertEqual(sold.stock, top - 1, "the SKU still sells")

            for update in [
                StockUpdate(sku: "BIG-1", stock: top + 1),
                StockUpdate(sku: "BIG-1", stock: Int(Int64.max)),
                StockUpdate(sku: "BIG-1", stock: 5, reorderPoint: NumberRanges.reorderPoint.upperBound + 1),
                StockUpdate(sku: "BIG-1", stock: 5, reorderQuantity: NumberRanges.reorderQuantity.upperBound + 1),
            ] {
                await XCTAssertSalesError(.invalidArgument, try await store.setStock(update, actor: "test", on: redis).get())
            }
            let after = try await store.stockLevel(of: "BIG-1", on: redis).get()
            XCTAssertEqual(after.stock, top - 1, "nothing changed")
        }
    }

    /// The scripts check too, for callers that skip the Swift checks (redis-cli): a count must be
    /// decimal digits within its range.
    func testTheScriptsRefuseCountsThatAreNotDecimalDigitsInRange() async throws {
        try await withStore { store, redis in
            _ = try await store.setStock(StockUpdate(sku: "RAW-1", stock: 5), actor: "test", on: redis).get()
            let partition = store.keys.partition(of: "RAW-1")
            for text in ["1e0", "0x1", "1.0", " 1", "-1", "", "1001", "99999999999999999"] {
                var call = ScriptCall.purchase(
                    PurchaseOrder(sku: "RAW-1", quantity: 1, purchaseID: "raw-\(text)", customer: ""), partition: partition,
                    keys: store.keys, limits: PurchaseLimits(store.configuration)
                )
                call.arguments[3] = text  // after the window and the largest quantity: SKU, then quantity
                let reply = try await redis.run(call).get()
                XCTAssertEqual(reply.array?.first?.array?.first?.string, "INVALID_ARGUMENT", "quantity \"\(text)\"")
            }
            var setCall = ScriptCall.setStock(StockUpdate(sku: "RAW-1", stock: 5), actor: "test", keys: store.keys, defaultReorderQuantity: 1)
            setCall.arguments[1] = "1e15"
            let refused = try await redis.run(setCall).get()
            XCTAssertEqual(refused.array?.first?.string, "INVALID_ARGUMENT")
            let level = try await store.stockLevel(of: "RAW-1", on: redis).get()
            XCTAssertEqual(level.stock, 5, "nothing changed")
        }
    }

    /// An operator adds or removes units in one atomic step: concurrent adjustments and sales all
    /// count, and removing more than there is changes nothing.
    func testStockAdjustmentsAreAtomicAndNeverGoBelowZero() async throws {
        try await withStore { store, redis in
            _ = try await store.setStock(StockUpdate(sku: "ADJ-1", stock: 500), actor: "test", on: redis).get()
            let added = try await store.adjustStock(of: "ADJ-1", by: 10, actor: "test", on: redis).get()
            XCTAssertEqual(added.stock, 510)

            // 200 additions, 100 removals and 100 sales interleaved: none is lost.
            try await withThrowingTaskGroup(of: Void.self) { group in
                for n in 0..<400 {
                    group.addTask {
                        switch n % 4 {
                        case 0, 1: _ = try await store.adjustStock(of: "ADJ-1", by: 1, actor: "test", on: redis).get()
                        case 2: _ = try await store.adjustStock(of: "ADJ-1", by: -1, actor: "test", on: redis).get()
                        default:
                            let sale = PurchaseOrder(sku: "ADJ-1", quantity: 1, purchaseID: "adj-\(n)", customer: "")
                            _ = try await store.purchase(sale, on: redis).get()
                        }
                    }
                }
                try await group.waitForAll()
            }
            let level = try await store.stockLevel(of: "ADJ-1", on: redis).get()
            XCTAssertEqual(level.stock, 510 + 200 - 100 - 100)

            await XCTAssertSalesError(.invalidArgument, try await store.adjustStock(of: "ADJ-1", by: -(level.stock + 1), actor: "test", on: redis).get())
            await XCTAssertSalesError(.invalidArgument, try await store.adjustStock(of: "ADJ-1", by: 0, actor: "test", on: redis).get())
            await XCTAssertSalesError(
                .invalidArgument, try await store.adjustStock(of: "ADJ-1", by: NumberRanges.stock.upperBound, actor: "test", on: redis).get()
            )
            await XCTAssertSalesError(.unknownSKU, try await store.adjustStock(of: "NOPE-1", by: 1, actor: "test", on: redis).get())
            let unchanged = try await store.stockLevel(of: "ADJ-1", on: redis).get()
            XCTAssertEqual(unchanged.stock, level.stock, "refusals change nothing")
            let emptied = try await store.adjustStock(of: "ADJ-1", by: -level.stock, actor: "test", on: redis).get()
            XCTAssertEqual(emptied.stock, 0)
        }
    }

    func testReadingAnUnknownSKUIsATypedError() async throws {
        try await withStore { store, redis in
            await XCTAssertSalesError(.unknownSKU, try await store.stockLevel(of: "NOPE", on: redis).get())
            await XCTAssertSalesError(.invalidArgument, try await store.stockLevel(of: "no pe", on: redis).get())
        }
    }
}
