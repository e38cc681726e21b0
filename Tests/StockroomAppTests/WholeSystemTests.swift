import Foundation
import Prometheus
import ServiceLifecycle
import StockroomApp
import StockroomClient
import StockroomCore
import StockroomFactorySimulator
import TestSupport
import XCTest

/// The whole system in one process, assembled as `stockroom serve --http … --workers all` assembles
/// it: an embedded Redis, the sales server, the side port, every consumer group and the sweeper,
/// against the legacy factory simulator over real HTTP.
final class WholeSystemTests: XCTestCase {
    func testASellOutBecomesOneFactoryOrderWhoseCallbackRestocksOnce() async throws {
        var simulatorConfiguration = FactorySimulatorConfiguration()
        simulatorConfiguration.port = 0
        simulatorConfiguration.delay = .milliseconds(200)
        let simulator = FactorySimulator(configuration: simulatorConfiguration, logger: testLogger("stockroom.test.factory"))
        try await withServices([simulator]) {
            let dataDirectory = FileManager.default.temporaryDirectory.appendingPathComponent("stockroom-app-\(UUID().uuidString)")
            defer { try? FileManager.default.removeItem(at: dataDirectory) }
            var configuration = StockroomConfiguration()
            configuration.redisURL = nil  // the embedded one, as `serve` without --redis
            configuration.dataDirectory = dataDirectory.path
            configuration.threads = 1
            configuration.server?.listen?.port = 0
            var sidePort = StockroomConfiguration().sidePort ?? .init()
            sidePort.port = try freeLoopbackPort()  // the factory must know the callback URL before it listens
            configuration.sidePort = sidePort
            configuration.workers = .all
            configuration.factory.baseURL = "http://127.0.0.1:\(try await simulator.listening.port())"
            configuration.groups.consumers = 1
            configuration.sweepInterval = .milliseconds(200)

            let logger = testLogger("stockroom.test.app")
            try await StockroomProcess.with(configuration, registry: PrometheusCollectorRegistry(), logger: logger) { process in
                XCTAssertEqual(process.configuration.resolvedCallbackURL, "http://127.0.0.1:\(sidePort.port)/arrival")
                try await withServices(process.services) {
                    try await sellOutAndWaitForTheRestock(process)
                }
            }
            let orders = await simulator.receivedOrders()
            XCTAssertEqual(orders.count, 1, "a burst of refusals makes one factory order")
            XCTAssertEqual(orders.first?.status, .calledBack)
        }
    }

    private func sellOutAndWaitForTheRestock(_ process: StockroomProcess) async throws {
        let salesPort = try XCTUnwrap(process.salesPort)
        let port = try await salesPort.port()
        let client = try await StockroomClient.connect(StockroomClientConfiguration(host: "127.0.0.1", port: port))
        do {
            _ = try await client.setStock(sku: "APP-1", stock: 3, reorderPoint: 0, reorderQuantity: 7)
            var outcomes: [PurchaseOutcome] = []
            for n in 0..<8 {
                outcomes.append(try await client.purchase(sku: "APP-1", purchaseID: "app-\(n)").outcome)
            }
            XCTAssertEqual(outcomes, Array(repeating: .sold, count: 3) + Array(repeating: .outOfStock, count: 5))

            // The factory delivers 7 after its delay; the warehouse raises the stock once and closes the order.
            let restocked = try await eventually(timeout: .seconds(30), "the delivery raised the stock") {
                let info = try await client.stock(of: "APP-1")
                return info.stock > 0 && info.openOrder == nil ? info : nil
            }
            XCTAssertEqual(restocked.stock, 7)
            let sold = try await client.purchase(sku: "APP-1", purchaseID: "app-after")
            XCTAssertEqual(sold.outcome, .sold)
            XCTAssertEqual(sold.stock, 6)
            await client.close()
        } catch {
            await client.close()
            throw error
        }
    }
}
