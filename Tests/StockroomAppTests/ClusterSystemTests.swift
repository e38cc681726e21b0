import Foundation
import Prometheus
import ServiceLifecycle
import StockroomApp
import StockroomClient
import StockroomCore
import StockroomFactorySimulator
import StockroomPipeline
import StockroomRedis
import TestSupport
import XCTest

/// The whole system, assembled as `stockroom serve --http … --workers all --redis <seed>` assembles
/// it, on a Redis Cluster of its own (3 masters, 3 replicas; `stockroom` keys, so not the shared one).
final class ClusterSystemTests: XCTestCase {
    /// On SKUs held by every master: a sell-out becomes one factory order each. The factory is down
    /// at first, so the orders are dead-lettered; once it is up, a redrive places them, and the
    /// callbacks restock each SKU once.
    func testSellOutsOnEveryMasterAreDeadLetteredWhileTheFactoryIsDownThenRedrivenAndRestocked() async throws {
        try await withPrivateTestCluster { cluster in
            let factoryPort = try freeLoopbackPort()
            var configuration = StockroomConfiguration()
            configuration.redisURL = cluster.seedURL
            configuration.threads = 1
            configuration.server?.listen?.port = 0
            var sidePort = StockroomConfiguration().sidePort ?? .init()
            sidePort.port = try freeLoopbackPort()
            configuration.sidePort = sidePort
            configuration.workers = .all
            configuration.factory.baseURL = "http://127.0.0.1:\(factoryPort)"  // nobody listens yet
            configuration.groups.consumers = 1
            configuration.groups.maxDeliveries = 2
            configuration.groups.visibilityTimeout = .milliseconds(500)
            configuration.sweepInterval = .milliseconds(200)

            let logger = testLogger("stockroom.test.cluster-app")
            try await StockroomProcess.with(configuration, registry: PrometheusCollectorRegistry(), logger: logger) { process in
                try await withServices(process.services) {
                    try await withRedisConnection(url: cluster.seedURL) { redis in
                        let keys = try await KeySpace.recorded(on: redis)
                        let skus = try await skusOnEveryMaster(keys: keys, redis: redis)
                        XCTAssertEqual(skus.count, 3, "one SKU per master")
                        let client = try await StockroomClient.connect(
                            StockroomClientConfiguration(host: "127.0.0.1", port: try await XCTUnwrap(process.salesPort).port())
                        )
                        defer { Task { await client.close() } }
                        for sku in skus {
                            _ = try await client.setStock(sku: sku, stock: 2, reorderPoint: 0, reorderQuantity: 5)
                            var outcomes: [PurchaseOutcome] = []
                            for n in 0..<4 {
                                outcomes.append(try await client.purchase(sku: sku, purchaseID: "\(sku)-\(n)").outcome)
                            }
                            XCTAssertEqual(outcomes, [.sold, .sold, .outOfStock, .outOfStock], sku)
                        }

                        let deadLetters = DeadLetters(keys: keys, redis: redis, subscriptions: [.factory])
                        let letters = try await eventually(timeout: .seconds(60), "every order dead-lettered") {
                            let letters = try await deadLetters.list(subscription: .factory)
                            return letters.count == skus.count ? letters : nil
                        }
                        XCTAssertEqual(Set(letters.compactMap { $0.fields["sku"] }), Set(skus))

                        var simulatorConfiguration = FactorySimulatorConfiguration()
                        simulatorConfiguration.port = factoryPort
                        simulatorConfiguration.delay = .milliseconds(200)
                        let simulator = FactorySimulator(configuration: simulatorConfiguration, logger: testLogger("stockroom.test.factory"))
                        try await withServices([simulator]) {
                            _ = try await simulator.listening.port()
                            let report = try await deadLetters.redrive(subscription: .factory, filter: .all, dryRun: false, actor: "test")
                            XCTAssertEqual(report.references.count, skus.count)
                            for sku in skus {
                                let restocked = try await eventually(timeout: .seconds(60), "\(sku) restocked") {
                                    let info = try await client.stock(of: sku)
                                    return info.stock > 0 && info.openOrder == nil ? info : nil
                                }
                                XCTAssertEqual(restocked.stock, 5, "restocked once: \(sku)")
                                let sold = try await client.purchase(sku: sku, purchaseID: "\(sku)-after")
                                XCTAssertEqual(sold.outcome, .sold)
                            }
                            let orders = await simulator.receivedOrders()
                            XCTAssertEqual(orders.count, skus.count, "one factory order per sell-out")
                            XCTAssertTrue(orders.allSatisfy { $0.status == .calledBack }, "\(orders)")
                        }
                        let remaining = try await deadLetters.list(subscription: .factory)
                        XCTAssertEqual(remaining.count, 0)
                    }
                }
            }
        }
    }
}

/// One SKU for each master of the cluster: the first `CL-<n>` whose partition that master holds.
func skusOnEveryMaster(keys: KeySpace, redis: RedisConnection) async throws -> [String] {
    var byNode: [RedisNodeAddress: String] = [:]
    for n in 0..<1000 {
        let sku = "CL-\(n)"
        guard let node = await redis.node(serving: keys.tag(keys.partition(of: sku))) else { continue }
        if byNode[node] == nil { byNode[node] = sku }
    }
    return byNode.values.sorted()
}
