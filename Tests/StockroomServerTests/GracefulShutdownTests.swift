import NIOCore
import StockroomClient
import StockroomRedis
import StockroomWire
import TestSupport
import XCTest

final class GracefulShutdownTests: XCTestCase {
    /// Shutdown stops accepting, answers what is in flight, then closes.
    ///
    /// A private Redis paused for writes holds the purchases the server has sent it, so they are
    /// provably in flight when the drain begins; unpausing lets them finish during the drain.
    func testShutdownFinishesRequestsInFlight() async throws {
        try await withRedisServer { redisServer in
            try await withSalesServer(redisURL: redisServer.url) { harness in
                try await withRedisConnection(url: redisServer.url) { admin in
                    let client = try await harness.client { $0.connections = 2 }
                    _ = try await client.setStock(sku: "SKU-1", stock: 1000)
                    _ = try await admin.send(["CLIENT", "PAUSE", "30000", "WRITE"]).get()

                    let buyers = Task {
                        try await withThrowingTaskGroup(of: PurchaseResult?.self) { group in
                            for buyer in 0..<50 {
                                group.addTask {
                                    do {
                                        return try await client.purchase(sku: "SKU-1", purchaseID: "b\(buyer)")
                                    } catch let error as StockroomClientError
                                        where error.serverCode == .shuttingDown || error.code == .connectionClosed
                                        || error.code == .connectFailed
                                    {
                                        // Sent after the drain began: refused, never half-done (the stock check below).
                                        return nil
                                    }
                                }
                            }
                            return try await group.reduce(into: []) { $0.append($1) }
                        }
                    }
                    try await eventually("a purchase waits in the paused Redis") {
                        let info = try await admin.send(["INFO", "clients"]).get().string ?? ""
                        return info.contains("blocked_clients:0") ? nil : true
                    }

                    let shutdown = Task { try await harness.server.shutdown() }
                    try await eventually("the server stops accepting") { () async -> Bool? in
                        do {
                            let late = try await harness.client()
                            await late.close()
                            return nil
                        } catch {
                            return true
                        }
                    }
                    _ = try await admin.send(["CLIENT", "UNPAUSE"]).get()
                    try await shutdown.value
                    let results = try await buyers.value

                    let sold = results.compactMap { $0 }.filter { $0.outcome == .sold }.count
                    XCTAssertGreaterThanOrEqual(sold, 1, "the purchase held in Redis was answered during the drain")
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
    }
}
