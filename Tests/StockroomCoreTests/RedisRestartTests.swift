import Logging
import NIOPosix
import StockroomCore
import StockroomRedis
import TestSupport
import XCTest

final class RedisRestartTests: XCTestCase {
    /// A crashed Redis makes purchases fail fast as BACKEND_UNAVAILABLE, and once Redis is back the
    /// same store and connection sell again, with the scripts loaded anew.
    func testPurchasesRecoverAfterRedisIsKilledAndRestarted() async throws {
        try await withRedisServer(extraArguments: ["--appendonly", "yes", "--appendfsync", "always"]) { server in
            var configuration = try RedisConfiguration(url: server.url)
            configuration.scripts = StockroomScripts.all
            configuration.reconnectBackoff = .init(initial: .milliseconds(20), maximum: .milliseconds(200), multiplier: 2)
            let redis = try await RedisConnection.connect(
                configuration: configuration, eventLoop: MultiThreadedEventLoopGroup.singleton.next(), logger: Logger(label: "test")
            ).get()
            let store = try await SalesStore.open(on: redis, configuration: SalesConfiguration(), logger: Logger(label: "test")).get()
            _ = try await store.setStock(StockUpdate(sku: "SKU-1", stock: 10), actor: "test", on: redis).get()
            _ = try await store.purchase(PurchaseOrder(sku: "SKU-1", quantity: 1, purchaseID: "before", customer: ""), on: redis).get()

            await server.kill()
            await XCTAssertSalesError(.backendUnavailable, try await store.purchase(
                PurchaseOrder(sku: "SKU-1", quantity: 1, purchaseID: "during", customer: ""), on: redis).get())

            try await server.restart()
            // Reconnection runs in the background with backoff: wait for it, boundedly.
            var decision: PurchaseDecision?
            for _ in 0..<100 where decision == nil {
                decision = try? await store.purchase(PurchaseOrder(sku: "SKU-1", quantity: 1, purchaseID: "after", customer: ""), on: redis).get()
                if decision == nil { try await Task.sleep(for: .milliseconds(50)) }
            }
            XCTAssertEqual(decision, PurchaseDecision(outcome: .sold, stock: 8, isReplay: false), "the append-only file kept the first sale")
            let replay = try await store.purchase(PurchaseOrder(sku: "SKU-1", quantity: 1, purchaseID: "before", customer: ""), on: redis).get()
            XCTAssertTrue(replay.isReplay, "the idempotency record survived the restart")
            try await redis.close().get()
        }
    }
}
