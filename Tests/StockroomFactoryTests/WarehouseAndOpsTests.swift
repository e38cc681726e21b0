import StockroomCore
import StockroomFactory
import StockroomOps
import StockroomPipeline
import StockroomWarehouse
import TestSupport
import XCTest

final class WarehouseAndOpsTests: XCTestCase {
    private func arrival(
        _ env: FactoryTestEnvironment,
        sku: String,
        order: String,
        quantity: String = "5",
        token: String = ""
    ) -> StreamEntry {
        let partition = env.keys.partition(of: sku)
        return StreamEntry(
            id: "1700000000000-0", topic: .stockArrival, stream: env.keys.stream(.stockArrival, partition: partition),
            partition: partition,
            fields: ["sku": sku, "order": order, "quantity": quantity, "token": token], deliveries: 1
        )
    }

    func testAnOrderNeverOpenedIsPoisonAndChangesNothing() async throws {
        try await withFactoryEnvironment { env in
            _ = try await env.sellOut("WH-1", stock: 1, reorderQuantity: 5)
            let warehouse = WarehouseArrivalHandler(orders: env.orders)
            await XCTAssertPoison { try await warehouse.process(arrival(env, sku: "WH-1", order: "WH-1@2"), logger: testLogger()) }
            await XCTAssertPoison { try await warehouse.process(arrival(env, sku: "WH-NONE", order: "WH-NONE@1"), logger: testLogger()) }
            await XCTAssertPoison { try await warehouse.process(arrival(env, sku: "WH-1", order: "WH-2@1"), logger: testLogger()) }
            await XCTAssertPoison { try await warehouse.process(arrival(env, sku: "WH-1", order: "WH-1@1", quantity: "0"), logger: testLogger()) }
            let level = try await env.stock(of: "WH-1")
            XCTAssertEqual(level.stock, 0)
            XCTAssertEqual(level.openOrder, "WH-1@1")
            let record = try await env.orderRecord("WH-1@2")
            XCTAssertTrue(record.isEmpty)
        }
    }

    /// An entry that reached the stream some other way than the side port is checked again: without
    /// the order's token, or with another quantity, it is poison and raises nothing.
    func testAnEntryWithoutTheOrdersTokenOrQuantityIsPoison() async throws {
        try await withFactoryEnvironment { env in
            let (_, token) = try await env.placedOrder("WH-3", quantity: 5)
            let warehouse = WarehouseArrivalHandler(orders: env.orders)
            await XCTAssertPoison { try await warehouse.process(arrival(env, sku: "WH-3", order: "WH-3@1"), logger: testLogger()) }
            await XCTAssertPoison {
                try await warehouse.process(arrival(env, sku: "WH-3", order: "WH-3@1", token: "forged"), logger: testLogger())
            }
            await XCTAssertPoison {
                try await warehouse.process(
                    arrival(env, sku: "WH-3", order: "WH-3@1", quantity: "500", token: token), logger: testLogger()
                )
            }
            let level = try await env.stock(of: "WH-3")
            XCTAssertEqual(level.stock, 0)
            XCTAssertEqual(level.openOrder, "WH-3@1")
        }
    }

    func testADeliveryThatOvertakesTheOrderRecordStaysDelivered() async throws {
        try await withFactoryEnvironment { env in
            let entry = try await env.sellOut("WH-2", stock: 1, reorderQuantity: 5)
            let warehouse = WarehouseArrivalHandler(orders: env.orders)
            // The order was prepared and the factory called, and its callback is applied before the order
            // handler recorded the factory's answer.
            let prepared = try await env.orders.prepare(
                OrderReference(sku: "WH-2", number: 1), quantity: 5, partition: env.keys.partition(of: "WH-2")
            )
            let outcome = try await warehouse.process(
                arrival(env, sku: "WH-2", order: "WH-2@1", token: prepared.token), logger: testLogger()
            )
            XCTAssertEqual(outcome, .applied(stock: 5, closedOpenOrder: true))

            let acknowledged = try await env.orders.recordAcknowledged(
                OrderReference(sku: "WH-2", number: 1), quantity: 5, factoryID: "late-ack", partition: env.keys.partition(of: "WH-2")
            )
            XCTAssertEqual(acknowledged, .alreadyClosed(status: "delivered", attempts: 1))
            let record = try await env.orderRecord("WH-2@1")
            XCTAssertEqual(record["status"], "delivered")
            XCTAssertEqual(record["factory_id"], "late-ack")

            // The entry's redelivery to the factory group does not order again (nothing listens here).
            let client = FactoryClient(
                configuration: factoryConfiguration(factoryPort: try freeLoopbackPort(), sidePort: 1),
                httpClient: testHTTPClient, logger: testLogger()
            )
            let handler = FactoryOrderHandler(orders: env.orders, client: client)
            try await handler.handle(entry, context: testContext())
        }
    }

    func testOpsCountsEachEntryOnce() async throws {
        try await withFactoryEnvironment { env in
            let stockEmpty = try await env.sellOut("OPS-1", stock: 3, reorderQuantity: 5)
            let partition = env.keys.partition(of: "OPS-1")
            let sales = try await streamEntries(env.keys.stream(.sales, partition: partition), topic: .sales, partition: partition, on: env.redis)
            let sale = try XCTUnwrap(sales.first(where: { $0.fields["sku"] == "OPS-1" }))
            let ops = OpsHandler(counters: OpsCounters(keys: env.keys, redis: env.redis))

            let first = try await ops.process(sale, logger: testLogger())
            let again = try await ops.process(sale, logger: testLogger())
            XCTAssertEqual([first, again], [.counted, .duplicate])
            let outFirst = try await ops.process(stockEmpty, logger: testLogger())
            let outAgain = try await ops.process(stockEmpty, logger: testLogger())
            XCTAssertEqual([outFirst, outAgain], [.counted, .duplicate], "the same id in another topic is another entry")
            // A redrive hands the group a copy from its retry stream, under a new id: still the same sale.
            let redriven = StreamEntry(
                id: "9999999999999-0", topic: .sales, stream: env.keys.retryStream(.sales, group: "ops", partition: partition),
                partition: partition, fields: sale.fields, deliveries: 1,
                originalID: sale.id, originalStream: sale.stream
            )
            let redrivenOutcome = try await ops.process(redriven, logger: testLogger())
            XCTAssertEqual(redrivenOutcome, .duplicate, "a redriven copy of a counted entry is not counted again")

            let counters = try await hashFields(env.keys.opsKey("OPS-1", partition: partition), on: env.redis)
            XCTAssertEqual(counters["sold"], "3")
            XCTAssertEqual(counters["sales"], "1")
            XCTAssertEqual(counters["remaining"], "0")
            XCTAssertEqual(counters["stockouts"], "1")
            XCTAssertEqual(counters["last_order"], "OPS-1@1")
            XCTAssertNotNil(counters["last_sale_at"])

            // Without the guard, counting is at least once: a redelivery counts again.
            let loose = OpsHandler(
                counters: OpsCounters(keys: env.keys, redis: env.redis, deduplicationWindow: nil)
            )
            _ = try await loose.process(sale, logger: testLogger())
            let after = try await hashFields(env.keys.opsKey("OPS-1", partition: partition), on: env.redis)
            XCTAssertEqual(after["sold"], "6")

            let misplaced = StreamEntry(
                id: sale.id, topic: .stockArrival, stream: env.keys.stream(.stockArrival, partition: partition), partition: partition,
                fields: sale.fields, deliveries: 1
            )
            await XCTAssertPoison { try await ops.process(misplaced, logger: testLogger()) }
        }
    }
}
