import StockroomClient
import StockroomCore
import TestSupport
import XCTest

final class SalesFlowTests: XCTestCase {
    func testSellReplayAndSellOutThroughTheClient() async throws {
        try await withSalesServer { harness in
            let client = try await harness.client()
            XCTAssertEqual(client.serverHello.version, 2)
            XCTAssertEqual(client.serverHello.maxInFlight, 1_024)
            XCTAssertFalse(client.serverHello.authenticationRequired)

            let created = try await client.setStock(sku: "CP-502101", stock: 2, reorderPoint: 0, reorderQuantity: 10)
            XCTAssertEqual(created, StockInfo(sku: "CP-502101", stock: 2, reorderPoint: 0, reorderQuantity: 10, openOrder: nil))

            let first = try await client.purchase(sku: "CP-502101", purchaseID: "a", customer: "ann")
            XCTAssertEqual(first, PurchaseResult(outcome: .sold, isReplay: false, stock: 1))
            let replay = try await client.purchase(sku: "CP-502101", purchaseID: "a", customer: "ann")
            XCTAssertEqual(replay, PurchaseResult(outcome: .sold, isReplay: true, stock: 1))
            let last = try await client.purchase(sku: "CP-502101", purchaseID: "b")
            XCTAssertEqual(last, PurchaseResult(outcome: .sold, isReplay: false, stock: 0))
            let refused = try await client.purchase(sku: "CP-502101", purchaseID: "c")
            XCTAssertEqual(refused, PurchaseResult(outcome: .outOfStock, isReplay: false, stock: 0))

            let info = try await client.stock(of: "CP-502101")
            XCTAssertEqual(info.stock, 0)
            XCTAssertEqual(info.openOrder, "CP-502101@1")
            try await client.ping()
            await client.close()
        }
    }

    /// The concurrency invariant end to end: many clients, many connections, many requests in flight.
    func testConcurrentBuyersThroughTheServerNeverOversell() async throws {
        try await withSalesServer { harness in
            let admin = try await harness.client()
            _ = try await admin.setStock(sku: "HOT-1", stock: 100)
            let buyers = 500
            let clients = try await withThrowingTaskGroup(of: StockroomClient.self) { group in
                for _ in 0..<3 { group.addTask { try await harness.client { $0.connections = 4 } } }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            let results = try await withThrowingTaskGroup(of: PurchaseResult.self) { group in
                for buyer in 0..<buyers {
                    let client = clients[buyer % clients.count]
                    group.addTask { try await client.purchase(sku: "HOT-1", purchaseID: "buyer-\(buyer)") }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            XCTAssertEqual(results.filter { $0.outcome == .sold }.count, 100)
            XCTAssertEqual(results.filter { $0.outcome == .outOfStock }.count, buyers - 100)
            XCTAssertEqual(Set(results.filter { $0.outcome == .sold }.map(\.stock)), Set(0..<100))
            let stockAfter = try await harness.stock(of: "HOT-1")
            XCTAssertEqual(stockAfter, 0)
            let partition = harness.store.keys.partition(of: "HOT-1")
            let events = try await harness.redis.any.send(["XLEN", harness.store.keys.stream(.stockEmpty, partition: partition)]).get()
            XCTAssertEqual(events.int, 1)
            for client in clients { await client.close() }
            await admin.close()
        }
    }

    func testServerErrorsReachTheClientTyped() async throws {
        try await withSalesServer { harness in
            let client = try await harness.client()
            do throws(StockroomClientError) {
                _ = try await client.purchase(sku: "NOPE", purchaseID: "x")
                XCTFail("an unknown SKU must fail")
            } catch {
                XCTAssertEqual(error.code, .server)
                XCTAssertEqual(error.serverCode, .unknownSKU)
            }
            do throws(StockroomClientError) {
                _ = try await client.purchase(sku: "NOPE", quantity: -1, purchaseID: "x")
                XCTFail("a negative quantity must fail")
            } catch {
                XCTAssertEqual(error.code, .invalidArgument)
            }
            await client.close()
        }
    }
}
