import Prometheus
import StockroomCore
import StockroomFactory
import StockroomFactorySimulator
import StockroomPipeline
import StockroomSidePort
import StockroomWarehouse
import TestSupport
import XCTest

/// Sell out → factory order → simulated factory → callback on the side port → warehouse, without
/// the pipeline runtime: each handler is called with the entries the runtime would hand it.
final class EndToEndTests: XCTestCase {
    private struct Rig {
        let factory: FactorySimulator
        let sidePort: SidePortService
        let warehouse: WarehouseArrivalHandler
    }

    private func withRig(
        _ env: FactoryTestEnvironment,
        _ body: (Rig, FactoryClient, FactoryOrderHandler) async throws -> Void
    ) async throws {
        var sideConfiguration = SidePortConfiguration()
        sideConfiguration.port = 0
        let registry = PrometheusCollectorRegistry()
        let metricsFactory = PrometheusMetricsFactory(registry: registry)
        let intake = ArrivalIntake(orders: env.orders, metrics: ArrivalMetrics(factory: metricsFactory), logger: testLogger())
        let rig = Rig(
            factory: FactorySimulator(configuration: simulatorConfiguration(), logger: testLogger()),
            sidePort: SidePortService(
                configuration: sideConfiguration, intake: intake, redis: env.redis, registry: registry, logger: testLogger()
            ),
            warehouse: WarehouseArrivalHandler(
                orders: env.orders, metrics: WarehouseMetrics(factory: metricsFactory)
            )
        )
        try await withServices([rig.factory, rig.sidePort]) {
            let configuration = factoryConfiguration(
                factoryPort: try await rig.factory.listening.port(), sidePort: try await rig.sidePort.listening.port()
            )
            let client = FactoryClient(
                configuration: configuration, httpClient: testHTTPClient, metrics: FactoryMetrics(factory: metricsFactory),
                logger: testLogger()
            )
            let handler = FactoryOrderHandler(orders: env.orders, client: client)
            try await body(rig, client, handler)
        }
    }

    /// Waits (bounded) until `count` arrival entries of `sku` are in its stream.
    private func arrivals(_ env: FactoryTestEnvironment, of sku: String, count: Int) async throws -> [StreamEntry] {
        try await eventually("\(count) arrival(s) of \(sku)") { () async throws -> [StreamEntry]? in
            let entries = try await env.arrivalEntries(of: sku)
            return entries.count >= count ? entries : nil
        }
    }

    func testSoldOutSKUIsRestockedAndSellsAgain() async throws {
        try await withFactoryEnvironment { env in
            let entry = try await env.sellOut("E2E-1", stock: 2, reorderQuantity: 10)
            let refused = try await env.store.purchase(
                PurchaseOrder(sku: "E2E-1", quantity: 1, purchaseID: "e2e-refused", customer: "c"), on: env.redis
            ).get()
            XCTAssertEqual(refused.outcome, .outOfStock)

            try await withRig(env) { rig, _, handler in
                try await handler.handle(entry, context: testContext())
                let arrival = try await arrivals(env, of: "E2E-1", count: 1)
                XCTAssertEqual(arrival.first?.fields["order"], "E2E-1@1")
                XCTAssertEqual(arrival.first?.fields["quantity"], "10")

                let outcome = try await rig.warehouse.process(try XCTUnwrap(arrival.first), logger: testLogger())
                XCTAssertEqual(outcome, .applied(stock: 10, closedOpenOrder: true))
            }

            let level = try await env.stock(of: "E2E-1")
            XCTAssertEqual(level.stock, 10)
            XCTAssertNil(level.openOrder, "the delivery closed the open order")
            let record = try await env.orderRecord("E2E-1@1")
            XCTAssertEqual(record["status"], "delivered")
            XCTAssertNotNil(record["delivered_at"])

            let sold = try await env.store.purchase(
                PurchaseOrder(sku: "E2E-1", quantity: 3, purchaseID: "e2e-again", customer: "c"), on: env.redis
            ).get()
            XCTAssertEqual(sold.outcome, .sold)
            XCTAssertEqual(sold.stock, 7)
        }
    }

    func testADuplicatedCallbackRaisesStockOnce() async throws {
        try await withFactoryEnvironment { env in
            let entry = try await env.sellOut("E2E-2", stock: 1, reorderQuantity: 4)
            try await withRig(env) { rig, _, handler in
                try await handler.handle(entry, context: testContext())
                let first = try await arrivals(env, of: "E2E-2", count: 1)
                // The factory's callback arrives a second time (a proxy retried it, say).
                let received = await rig.factory.receivedOrders()
                let callbackURL = try XCTUnwrap(received.first?.callbackURL)
                let again = try await httpPost(callbackURL, body: try XCTUnwrap(first.first?.fields["factory_request"]))
                XCTAssertEqual(again.status, 200)
                let entries = try await arrivals(env, of: "E2E-2", count: 2)
                XCTAssertEqual(entries.count, 2, "duplicates are appended; the warehouse deduplicates")

                let outcomes = try await [rig.warehouse.process(entries[0], logger: testLogger()), rig.warehouse.process(entries[1], logger: testLogger())]
                XCTAssertEqual(outcomes, [.applied(stock: 4, closedOpenOrder: true), .alreadyApplied(stock: 4)])
                // A redelivery of an applied entry changes nothing either.
                let redelivered = try await rig.warehouse.process(entries[0], logger: testLogger())
                XCTAssertEqual(redelivered, .alreadyApplied(stock: 4))
            }
            let level = try await env.stock(of: "E2E-2")
            XCTAssertEqual(level.stock, 4)
            let record = try await env.orderRecord("E2E-2@1")
            XCTAssertEqual(record["duplicate_arrivals"], "2")
        }
    }

    func testARetriedFactoryCallDeliversOnce() async throws {
        try await withFactoryEnvironment { env in
            let entry = try await env.sellOut("E2E-3", stock: 1, reorderQuantity: 6)
            try await withRig(env) { rig, client, handler in
                // The first call, prepared as the handler prepares it, got through but its acknowledgement
                // was lost: nothing but the token was recorded.
                let prepared = try await env.orders.prepare(
                    OrderReference(sku: "E2E-3", number: 1), quantity: 6, partition: env.keys.partition(of: "E2E-3")
                )
                _ = try await client.placeOrder(client.makeRequest(sku: "E2E-3", quantity: 6, order: "E2E-3@1", token: prepared.token))
                let unrecorded = try await env.orderRecord("E2E-3@1")
                XCTAssertEqual(unrecorded["status"], "open", "prepared, never acknowledged")
                // The entry stayed pending and is retried: the handler orders again.
                try await handler.handle(entry, context: testContext())
                let orders = await rig.factory.receivedOrders()
                XCTAssertEqual(orders.count, 2, "the factory took the order twice")
                XCTAssertEqual(Set(orders.map(\.callbackURL)).count, 1, "the retry carries the same token")

                // Both batches call back with the same order reference.
                let entries = try await arrivals(env, of: "E2E-3", count: 2)
                XCTAssertEqual(Set(entries.compactMap { $0.fields["order"] }), ["E2E-3@1"])
                var outcomes: [WarehouseArrivalHandler.Outcome] = []
                for arrival in entries { outcomes.append(try await rig.warehouse.process(arrival, logger: testLogger())) }
                XCTAssertEqual(outcomes, [.applied(stock: 6, closedOpenOrder: true), .alreadyApplied(stock: 6)])
            }
            let level = try await env.stock(of: "E2E-3")
            XCTAssertEqual(level.stock, 6, "raised once")
            XCTAssertNil(level.openOrder)
        }
    }
}
