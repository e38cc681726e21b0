import NIOCore
import StockroomClient
import StockroomWire
import TestSupport
import XCTest

final class GracefulShutdownTests: XCTestCase {
    /// Shutdown stops accepting, answers what is in flight, then closes.
    func testShutdownFinishesRequestsInFlight() async throws {
        try await withSalesServer { harness in
            let client = try await harness.client { $0.connections = 2 }
            _ = try await client.setStock(sku: "SKU-1", stock: 1000)
            let results = try await withThrowingTaskGroup(of: PurchaseResult?.self) { group in
                for buyer in 0..<200 {
                    group.addTask {
                        do {
                            return try await client.purchase(sku: "SKU-1", purchaseID: "b\(buyer)")
                        } catch let error as StockroomClientError where error.serverCode == .shuttingDown || error.code == .connectionClosed
                            || error.code == .connectFailed {
                            return nil  // sent after the drain began: refused, never half-done
                        }
                    }
                }
                group.addTask {
                    try await harness.server.shutdown()
                    return nil
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            let sold = results.compactMap { $0 }.filter { $0.outcome == .sold }.count
            // Every answered purchase is one unit gone, and no unit is gone without an answer.
            let stockAfter = try await harness.stock(of: "SKU-1")
            XCTAssertEqual(stockAfter, 1000 - sold)

            do {
                _ = try await harness.client()
                XCTFail("a stopped server accepts no connection")
            } catch let error as StockroomClientError {
                XCTAssertEqual(error.code, .connectFailed)
            }
            await client.close()
        }
    }
}
