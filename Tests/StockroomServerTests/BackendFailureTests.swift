import StockroomClient
import StockroomWire
import TestSupport
import XCTest

final class BackendFailureTests: XCTestCase {
    /// With Redis gone, purchases are answered BACKEND_UNAVAILABLE at once (no hang), the server stays
    /// up, and the same client sells again once Redis is back.
    func testRedisDownIsBackendUnavailableAndTheServerRecovers() async throws {
        try await withRedisServer(extraArguments: ["--appendonly", "yes", "--appendfsync", "always"]) { redis in
            try await withSalesServer(redisURL: redis.url) { harness in
                let client = try await harness.client { $0.requestTimeout = .seconds(10) }
                _ = try await client.setStock(sku: "SKU-1", stock: 5)

                await redis.kill()
                do {
                    _ = try await client.purchase(sku: "SKU-1", purchaseID: "during")
                    XCTFail("a purchase without Redis must fail")
                } catch let error as StockroomClientError {
                    XCTAssertEqual(error.serverCode, .backendUnavailable, "\(error)")
                }
                try await client.ping()  // the server itself is still up

                try await redis.restart()
                // The server reconnects in the background with backoff: retry while it says so, boundedly.
                var result: PurchaseResult?
                for _ in 0..<100 where result == nil {
                    do {
                        result = try await client.purchase(sku: "SKU-1", purchaseID: "after")
                    } catch let error as StockroomClientError where error.serverCode == .backendUnavailable {
                        try await Task.sleep(for: .milliseconds(50))
                    }
                }
                XCTAssertEqual(result, PurchaseResult(outcome: .sold, isReplay: false, stock: 4))
                await client.close()
            }
        }
    }
}
