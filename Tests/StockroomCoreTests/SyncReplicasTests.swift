import StockroomCore
import StockroomRedis
import TestSupport
import XCTest

/// `--sync-replicas`: a batch of purchases is answered once enough replicas have it, and too few in time
/// is BACKEND_UNAVAILABLE, an outcome a retry with the same purchase id settles. A real master and a
/// real replica of it.
final class SyncReplicasTests: XCTestCase {
    private func withReplicatedStore(
        syncReplicas: Int,
        timeoutMilliseconds: Int,
        _ body: (SalesStore, RedisConnection) async throws -> Void
    ) async throws {
        // No delay before the full sync: a replica waits 5 s for company by default.
        try await withRedisServer(extraArguments: ["--repl-diskless-sync-delay", "0"]) { master in
            try await withRedisServer(extraArguments: ["--replicaof", "127.0.0.1", String(master.port)]) { _ in
                try await withRedisConnection(url: master.url, scripts: StockroomScripts.all) { redis in
                    // Connected and caught up: WAIT counts only replicas that acknowledged the stream.
                    try await eventually(timeout: .seconds(30), "the replica is online") {
                        let info = try await redis.send(["INFO", "replication"]).get().string ?? ""
                        return info.contains("state=online") ? true : nil
                    }
                    // A replica that has just come online may first acknowledge at its once-a-second report:
                    // wait for one acknowledged write first.
                    _ = try await redis.send(["SET", "sync-replicas-test:warm-up", "1"]).get()
                    let warmedUp = try await redis.send(["WAIT", "1", "10000"]).get().int
                    XCTAssertEqual(warmedUp, 1)
                    var configuration = SalesConfiguration()
                    configuration.partitions = 1
                    configuration.syncReplicas = syncReplicas
                    configuration.syncTimeoutMilliseconds = timeoutMilliseconds
                    let store = try await SalesStore.open(on: redis, configuration: configuration, logger: testLogger()).get()
                    _ = try await store.setStock(StockUpdate(sku: "SYNC-1", stock: 5), actor: "test", on: redis).get()
                    try await body(store, redis)
                }
            }
        }
    }

    func testAPurchaseConfirmedByTheReplicaIsSold() async throws {
        try await withReplicatedStore(syncReplicas: 1, timeoutMilliseconds: 5000) { store, redis in
            let decision = try await store.purchase(PurchaseOrder(sku: "SYNC-1", quantity: 2, purchaseID: "s1", customer: ""), on: redis).get()
            XCTAssertEqual(decision, PurchaseDecision(outcome: .sold, stock: 3, isReplay: false))
        }
    }

    func testTooFewReplicasIsBackendUnavailableAndARetryTellsTheTruth() async throws {
        try await withReplicatedStore(syncReplicas: 2, timeoutMilliseconds: 200) { store, redis in
            let order = PurchaseOrder(sku: "SYNC-1", quantity: 2, purchaseID: "s2", customer: "")
            await XCTAssertSalesError(.backendUnavailable, try await store.purchase(order, on: redis).get())
            // The master has it: a failover could have lost it, which is why the answer was not SOLD.
            let level = try await store.stockLevel(of: "SYNC-1", on: redis).get()
            XCTAssertEqual(level.stock, 3)

            var relaxed = store.configuration
            relaxed.syncReplicas = 1
            let retried = try await SalesStore(keys: store.keys, configuration: relaxed).purchase(order, on: redis).get()
            XCTAssertEqual(retried, PurchaseDecision(outcome: .sold, stock: 3, isReplay: true), "the retry finds the first answer")
        }
    }
}
