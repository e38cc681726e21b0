import StockroomCore
import StockroomRedis
import XCTest

/// The SKU name indexes page SKUs by name and prefix across partitions.
final class SKUDirectoryTests: XCTestCase {
    func testPrefixSearchPagesInNameOrder() async throws {
        try await withStore { store, redis in
            let names = (1...23).map { String(format: "PFX-A-%02d", $0) } + ["PFX-B-1", "PFX-A", "PFX-", "OTHER-1", "PFX-AZ"]
            for (n, name) in names.enumerated() {
                _ = try await store.setStock(StockUpdate(sku: name, stock: n, reorderPoint: 1), actor: "test", on: redis).get()
            }
            let directory = SKUDirectory(keys: store.keys, redis: redis)
            var shown: [StockLevel] = []
            var after: String?
            var pages = 0
            repeat {
                let page = try await directory.page(prefix: "PFX-A", after: after, pageSize: 10)
                shown += page.levels
                after = page.next
                pages += 1
            } while after != nil && pages < 10
            let expected = names.filter { $0.hasPrefix("PFX-A") }.sorted()
            XCTAssertEqual(shown.map(\.sku), expected)
            XCTAssertEqual(pages, 3)
            let first = try XCTUnwrap(shown.first { $0.sku == "PFX-A-01" })
            XCTAssertEqual(first.stock, 0)
            XCTAssertEqual(first.reorderPoint, 1)

            let everything = try await directory.page(prefix: "", after: nil, pageSize: 200)
            XCTAssertEqual(everything.levels.map(\.sku), names.sorted())
            XCTAssertNil(everything.next)
            let none = try await directory.page(prefix: "ZZZ", after: nil, pageSize: 10)
            XCTAssertTrue(none.levels.isEmpty)
        }
    }

    /// Every stock change leaves an audit record naming who made it, in the same script.
    func testStockChangesAreAudited() async throws {
        try await withStore { store, redis in
            _ = try await store.setStock(StockUpdate(sku: "AUD-1", stock: 5), actor: "alice", on: redis).get()
            _ = try await store.adjustStock(of: "AUD-1", by: 3, actor: "bob", on: redis).get()
            _ = try await store.adjustStock(of: "AUD-1", by: -2, actor: "carol", on: redis).get()
            await XCTAssertSalesError(.invalidArgument, try await store.adjustStock(of: "AUD-1", by: -100, actor: "dave", on: redis).get())
            let records = try await streamEntries(store.keys.auditStream(partition: store.keys.partition(of: "AUD-1")), on: redis)
            XCTAssertEqual(records.map { $0["action"] }, ["stock-set", "stock-add", "stock-remove"], "a refused change leaves no record")
            XCTAssertEqual(records.map { $0["actor"] }, ["alice", "bob", "carol"])
            XCTAssertEqual(records.map { $0["stock"] }, ["5", "8", "6"])
            XCTAssertEqual(records.last?["change"], "-2")
            XCTAssertNotNil(records.last?["at"].flatMap(Int64.init))
        }
    }
}
