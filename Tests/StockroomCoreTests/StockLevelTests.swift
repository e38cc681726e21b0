import StockroomCore
import StockroomRedis
import TestSupport
import XCTest

final class StockLevelTests: XCTestCase {
    func testANewSKUGetsTheDefaultReorderSettings() async throws {
        try await withStore(configure: { $0.defaultReorderQuantity = 25 }) { store, redis in
            let created = try await store.setStock(StockUpdate(sku: "SKU-1", stock: 7), on: redis).get()
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
            _ = try await store.setStock(StockUpdate(sku: "SKU-1", stock: 7, reorderPoint: 3, reorderQuantity: 50), on: redis).get()
            let changed = try await store.setStock(StockUpdate(sku: "SKU-1", stock: 9), on: redis).get()
            XCTAssertEqual(changed, StockLevel(sku: "SKU-1", stock: 9, reorderPoint: 3, reorderQuantity: 50, openOrder: nil))
            let again = try await store.setStock(StockUpdate(sku: "SKU-1", stock: 1, reorderQuantity: 10), on: redis).get()
            XCTAssertEqual(again, StockLevel(sku: "SKU-1", stock: 1, reorderPoint: 3, reorderQuantity: 10, openOrder: nil))
            let members = try await redis.send(["SMEMBERS", store.keys.skuIndexKey(partition: store.keys.partition(of: "SKU-1"))]).get()
            XCTAssertEqual(members.array?.compactMap(\.string), ["SKU-1"])
        }
    }

    func testBadStockUpdatesAreRefusedAndChangeNothing() async throws {
        try await withStore { store, redis in
            _ = try await store.setStock(StockUpdate(sku: "SKU-1", stock: 7), on: redis).get()
            await XCTAssertSalesError(.invalidArgument, try await store.setStock(StockUpdate(sku: "SKU-1", stock: -1), on: redis).get())
            await XCTAssertSalesError(.invalidArgument, try await store.setStock(StockUpdate(sku: "SKU-1", stock: 1, reorderPoint: -1), on: redis).get())
            await XCTAssertSalesError(.invalidArgument, try await store.setStock(StockUpdate(sku: "SKU-1", stock: 1, reorderQuantity: 0), on: redis).get())
            await XCTAssertSalesError(.invalidArgument, try await store.setStock(StockUpdate(sku: "", stock: 1), on: redis).get())
            await XCTAssertSalesError(.invalidArgument, try await store.setStock(StockUpdate(sku: String(repeating: "A", count: 65), stock: 1), on: redis).get())
            await XCTAssertSalesError(.invalidArgument, try await store.setStock(StockUpdate(sku: "a{b}", stock: 1), on: redis).get())
            let stockAfter = try await store.stockLevel(of: "SKU-1", on: redis).get().stock
            XCTAssertEqual(stockAfter, 7)
        }
    }

    func testReadingAnUnknownSKUIsATypedError() async throws {
        try await withStore { store, redis in
            await XCTAssertSalesError(.unknownSKU, try await store.stockLevel(of: "NOPE", on: redis).get())
            await XCTAssertSalesError(.invalidArgument, try await store.stockLevel(of: "no pe", on: redis).get())
        }
    }
}
