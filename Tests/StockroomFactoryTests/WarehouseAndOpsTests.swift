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

    /// The ops group counts an entry and acknowledges it in one script: a delivered entry counts once,
    /// a second attempt finds it acknowledged, and nothing is kept per entry (no guard keys).
    func testOpsCountsEachEntryOnceAndAcknowledgesIt() async throws {
        try await withFactoryEnvironment { env in
            let partition = env.keys.partition(of: "OPS-1")
            _ = try await env.sellOut("OPS-1", stock: 3, reorderQuantity: 5)
            let ops = OpsHandler(counters: OpsCounters(keys: env.keys, redis: env.redis))
            let sale = try await deliverFirst(of: .opsSales, sku: "OPS-1", env: env)
            let stockOut = try await deliverFirst(of: .opsStockEmpty, sku: "OPS-1", env: env)

            let first = try await ops.process(sale, logger: testLogger())
            let again = try await ops.process(sale, logger: testLogger())
            XCTAssertEqual([first, again], [.counted, .duplicate])
            let outFirst = try await ops.process(stockOut, logger: testLogger())
            let outAgain = try await ops.process(stockOut, logger: testLogger())
            XCTAssertEqual([outFirst, outAgain], [.counted, .duplicate], "the same id in another topic is another entry")
            for (subscription, stream) in [(Subscription.opsSales, sale.stream), (.opsStockEmpty, stockOut.stream)] {
                let pending = try await env.redis.send(["XPENDING", stream, subscription.group]).get()
                XCTAssertEqual(pending.array?.first?.int, 0, "\(subscription): acknowledged by the count itself")
            }

            let counters = try await hashFields(env.keys.opsKey("OPS-1", partition: partition), on: env.redis)
            XCTAssertEqual(counters["sold"], "3")
            XCTAssertEqual(counters["sales"], "1")
            XCTAssertEqual(counters["remaining"], "0")
            XCTAssertEqual(counters["stockouts"], "1")
            XCTAssertEqual(counters["last_order"], "OPS-1@1")
            XCTAssertNotNil(counters["last_sale_at"])
            let guardKeys = try await env.redis.send(["KEYS", env.keys.tag(partition) + ":ops:seen:*"]).get()
            XCTAssertEqual(guardKeys.array?.count, 0, "no key is kept per counted entry")

            // An entry not delivered by a group has nothing to acknowledge: counted at least once.
            let byHand = StreamEntry(
                id: sale.id, topic: .sales, stream: sale.stream, partition: partition, fields: sale.fields, deliveries: 1
            )
            _ = try await ops.process(byHand, logger: testLogger())
            let after = try await hashFields(env.keys.opsKey("OPS-1", partition: partition), on: env.redis)
            XCTAssertEqual(after["sold"], "6")

            let misplaced = StreamEntry(
                id: sale.id, topic: .stockArrival, stream: env.keys.stream(.stockArrival, partition: partition), partition: partition,
                fields: sale.fields, deliveries: 1
            )
            await XCTAssertPoison { try await ops.process(misplaced, logger: testLogger()) }
        }
    }

    /// Reads the first entry of `sku` for `subscription`'s group as a consumer does (XREADGROUP: it is
    /// now pending), with the acknowledgement the runtime would hand over.
    private func deliverFirst(of subscription: Subscription, sku: String, env: FactoryTestEnvironment) async throws -> StreamEntry {
        let partition = env.keys.partition(of: sku)
        let stream = env.keys.stream(subscription.topic, partition: partition)
        _ = try? await env.redis.send(["XGROUP", "CREATE", stream, subscription.group, "0", "MKSTREAM"]).get()
        _ = try await env.redis.send(["XREADGROUP", "GROUP", subscription.group, "test", "STREAMS", stream, ">"]).get()
        let entries = try await streamEntries(stream, topic: subscription.topic, partition: partition, on: env.redis)
        let entry = try XCTUnwrap(entries.first { $0.fields["sku"] == sku })
        return StreamEntry(
            id: entry.id, topic: entry.topic, stream: stream, partition: partition, fields: entry.fields, deliveries: 1,
            originalID: entry.id, originalStream: stream,
            acknowledgement: .topicEntry(entry.id, of: subscription, partition: partition, keys: env.keys)
        )
    }
}
