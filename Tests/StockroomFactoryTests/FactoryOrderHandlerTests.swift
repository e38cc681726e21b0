import Hummingbird
import StockroomCore
import StockroomFactory
import StockroomFactorySimulator
import StockroomPipeline
import TestSupport
import XCTest

final class FactoryOrderHandlerTests: XCTestCase {
    func testPlacesTheOrderOnceAndRecordsIt() async throws {
        try await withFactoryEnvironment { env in
            let entry = try await env.sellOut("FO-1", reorderQuantity: 7)
            let factory = FactorySimulator(configuration: simulatorConfiguration { $0.callbacks = false }, logger: testLogger())
            try await withServices([factory]) {
                let client = FactoryClient(
                    configuration: factoryConfiguration(factoryPort: try await factory.listening.port(), sidePort: 7480),
                    httpClient: testHTTPClient, logger: testLogger()
                )
                let handler = FactoryOrderHandler(orders: env.orders, client: client)

                try await handler.handle(entry, context: testContext())
                let orders = await factory.receivedOrders()
                XCTAssertEqual(orders.count, 1)
                let record = try await env.orderRecord("FO-1@1")
                let token = try XCTUnwrap(record["token"])
                XCTAssertEqual(token.count, 32, "128 random bits as hex")
                XCTAssertEqual(orders.first?.callbackURL, "http://127.0.0.1:7480/arrival?order=FO-1%401&token=\(token)")
                XCTAssertEqual(record["status"], "requested")
                XCTAssertEqual(record["factory_id"], orders.first?.id)
                XCTAssertEqual(record["quantity"], "7")
                XCTAssertEqual(record["sku"], "FO-1")
                XCTAssertEqual(record["attempts"], "1")
                XCTAssertNotNil(record["requested_at"])

                // A redelivery (crash before the XACK) does not order a second batch.
                var redelivered = entry
                redelivered.deliveries = 2
                try await handler.handle(redelivered, context: testContext())
                let ordersAfter = await factory.receivedOrders()
                XCTAssertEqual(ordersAfter.count, 1)

                let typed = try await env.orders.record(of: OrderReference(sku: "FO-1", number: 1))
                XCTAssertEqual(typed?.status, .requested)
                XCTAssertEqual(typed?.isOpen, true, "requested, not yet delivered")
            }
        }
    }

    func testAFailingFactoryLeavesTheOrderUnplacedAndCountsAttempts() async throws {
        try await withFactoryEnvironment { env in
            let entry = try await env.sellOut("FO-2")
            let factory = FactorySimulator(
                configuration: simulatorConfiguration {
                    $0.failRate = 1
                    $0.timeoutShare = 0
                },
                logger: testLogger()
            )
            try await withServices([factory]) {
                let client = FactoryClient(
                    configuration: factoryConfiguration(factoryPort: try await factory.listening.port(), sidePort: 7480),
                    httpClient: testHTTPClient, logger: testLogger()
                )
                let handler = FactoryOrderHandler(orders: env.orders, client: client)
                for attempt in 1...2 {
                    do {
                        try await handler.handle(entry, context: testContext())
                        XCTFail("expected the factory failure to be thrown")
                    } catch let error as FactoryError {
                        XCTAssertEqual(error.code, .rejected, "\(error)")
                    }
                    let record = try await env.orderRecord("FO-2@1")
                    XCTAssertEqual(record["status"], "open", "not placed: the entry stays pending and is retried")
                    XCTAssertEqual(record["attempts"], "\(attempt)")
                    XCTAssertEqual(record["last_error_code"], "REJECTED")
                    XCTAssertNotNil(record["last_error"])
                }
                let orders = await factory.receivedOrders()
                XCTAssertTrue(orders.isEmpty)
            }
        }
    }

    func testUnparseableEntriesArePoison() async throws {
        try await withFactoryEnvironment { env in
            let client = FactoryClient(
                configuration: factoryConfiguration(factoryPort: try freeLoopbackPort(), sidePort: 7480),
                httpClient: testHTTPClient, logger: testLogger()
            )
            let handler = FactoryOrderHandler(orders: env.orders, client: client)
            let stream = env.keys.stream(.stockEmpty, partition: 0)
            let complete = ["sku": "FO-4", "order": "FO-4@1", "reorder_qty": "5", "reason": "sold_out"]
            for broken in [
                complete.filter { $0.key != "sku" },
                complete.filter { $0.key != "order" },
                complete.filter { $0.key != "reorder_qty" },
                complete.merging(["reorder_qty": "many"]) { $1 },
                complete.merging(["reorder_qty": "0"]) { $1 },
                complete.merging(["order": "OTHER@1"]) { $1 },
                complete.merging(["order": "FO-4@x"]) { $1 },
                complete.merging(["sku": "bad sku"]) { $1 },
            ] {
                let entry = StreamEntry(id: "1-1", topic: .stockEmpty, stream: stream, partition: 0, fields: broken, deliveries: 1)
                await XCTAssertPoison { try await handler.handle(entry, context: testContext()) }
            }
            let keysLeft = try await countKeys(prefixed: env.keys.tag(0) + ":order:", on: env.redis)
            XCTAssertEqual(keysLeft, 0, "poison entries record nothing")
        }
    }
}
