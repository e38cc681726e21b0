import StockroomCore
import StockroomFactory
import StockroomPipeline
import TestSupport
import XCTest

final class WarehouseAndOpsTests: XCTestCase {
    private func arrival(_ env: FactoryTestEnvironment, sku: String, order: String, quantity: String = "5") -> StreamEntry {
        let partition = env.keys.partition(of: sku)
        return StreamEntry(
            id: "1700000000000-0", stream: env.keys.stream(.stockArrival, partition: partition), partition: partition,
            fields: ["sku": sku, "order": order, "quantity": quantity], deliveries: 1
        )
    }

    func testAnOrderNeverOpenedIsPoisonAndChangesNothing() async throws {
        try await withFactoryEnvironment { env in
            _ = try await env.sellOut("WH-1", stock: 1, reorderQuantity: 5)
            let warehouse = WarehouseArrivalHandler(keys: env.keys, redis: env.redis, logger: testLogger())
            await XCTAssertPoison { try await warehouse.apply(arrival(env, sku: "WH-1", order: "WH-1@2")) }
            await XCTAssertPoison { try await warehouse.apply(arrival(env, sku: "WH-NONE", order: "WH-NONE@1")) }
            await XCTAssertPoison { try await warehouse.apply(arrival(env, sku: "WH-1", order: "WH-2@1")) }
            await XCTAssertPoison { try await warehouse.apply(arrival(env, sku: "WH-1", order: "WH-1@1", quantity: "0")) }
            let level = try await env.stock(of: "WH-1")
            XCTAssertEqual(level.stock, 0)
            XCTAssertEqual(level.openOrder, "WH-1@1")
            let record = try await env.orderRecord("WH-1@2")
            XCTAssertTrue(record.isEmpty)
        }
    }

    func testADeliveryThatOvertakesTheOrderRecordStaysDelivered() async throws {
        try await withFactoryEnvironment { env in
            let entry = try await env.sellOut("WH-2", stock: 1, reorderQuantity: 5)
            let warehouse = WarehouseArrivalHandler(keys: env.keys, redis: env.redis, logger: testLogger())
            // The callback is applied before the order handler recorded the factory's answer.
            let outcome = try await warehouse.apply(arrival(env, sku: "WH-2", order: "WH-2@1"))
            XCTAssertEqual(outcome, .applied(stock: 5, closedOpenOrder: true))

            let orderKey = env.keys.orderKey("WH-2@1", partition: env.keys.partition(of: "WH-2"))
            let reply = try await env.redis.evalScript(
                FactoryScripts.recordOrderRequested, keys: [orderKey], arguments: ["WH-2", "5", "late-ack"]
            ).get()
            XCTAssertEqual(reply.array?.first?.string, "ALREADY_DELIVERED")
            let record = try await env.orderRecord("WH-2@1")
            XCTAssertEqual(record["status"], "delivered")
            XCTAssertEqual(record["factory_id"], "late-ack")

            // The entry's redelivery to the factory group does not order again (nothing listens here).
            let client = FactoryClient(
                configuration: factoryConfiguration(factoryPort: try freeLoopbackPort(), sidePort: 1),
                httpClient: testHTTPClient, logger: testLogger()
            )
            let handler = FactoryOrderHandler(keys: env.keys, redis: env.redis, client: client, logger: testLogger())
            try await handler.handle(entry, heartbeat: CountingHeartbeat())
        }
    }

    func testOpsCountsEachEntryOnce() async throws {
        try await withFactoryEnvironment { env in
            let stockEmpty = try await env.sellOut("OPS-1", stock: 3, reorderQuantity: 5)
            let partition = env.keys.partition(of: "OPS-1")
            let sales = try await streamEntries(env.keys.stream(.sales, partition: partition), partition: partition, on: env.redis)
            let sale = try XCTUnwrap(sales.first(where: { $0.fields["sku"] == "OPS-1" }))
            let ops = OpsHandler(keys: env.keys, redis: env.redis, logger: testLogger())

            let first = try await ops.count(sale)
            let again = try await ops.count(sale)
            XCTAssertEqual([first, again], [.counted, .duplicate])
            let outFirst = try await ops.count(stockEmpty)
            let outAgain = try await ops.count(stockEmpty)
            XCTAssertEqual([outFirst, outAgain], [.counted, .duplicate], "the same id in another topic is another entry")
            // A redrive hands the group a copy from its retry stream, under a new id: still the same sale.
            let redriven = StreamEntry(
                id: "9999999999999-0", stream: env.keys.retryStream(.sales, group: "ops", partition: partition),
                partition: partition, fields: sale.fields, deliveries: 1,
                originalID: sale.id, originalStream: sale.stream
            )
            let redrivenOutcome = try await ops.count(redriven)
            XCTAssertEqual(redrivenOutcome, .duplicate, "a redriven copy of a counted entry is not counted again")

            let counters = try await hashFields(env.keys.opsKey("OPS-1"), on: env.redis)
            XCTAssertEqual(counters["sold"], "3")
            XCTAssertEqual(counters["sales"], "1")
            XCTAssertEqual(counters["remaining"], "0")
            XCTAssertEqual(counters["stockouts"], "1")
            XCTAssertEqual(counters["last_order"], "OPS-1@1")
            XCTAssertNotNil(counters["last_sale_at"])

            // Without the guard, counting is at least once: a redelivery counts again.
            var configuration = OpsConfiguration()
            configuration.deduplicationWindow = nil
            let loose = OpsHandler(keys: env.keys, redis: env.redis, configuration: configuration, logger: testLogger())
            _ = try await loose.count(sale)
            let after = try await hashFields(env.keys.opsKey("OPS-1"), on: env.redis)
            XCTAssertEqual(after["sold"], "6")

            let misplaced = StreamEntry(
                id: sale.id, stream: env.keys.stream(.stockArrival, partition: partition), partition: partition,
                fields: sale.fields, deliveries: 1
            )
            await XCTAssertPoison { try await ops.count(misplaced) }
        }
    }
}
