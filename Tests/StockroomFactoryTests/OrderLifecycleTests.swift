import Foundation
import LegacyFactoryAPI
import Prometheus
import StockroomCore
import StockroomFactory
import StockroomFactorySimulator
import StockroomSidePort
import TestSupport
import XCTest

/// Every order has a way out: past its deadline it is requested again with the same reference and
/// token, and after its last attempt it expires, which lets the SKU order again.
final class OrderLifecycleTests: XCTestCase {
    private func client(_ factory: FactorySimulator) async throws -> FactoryClient {
        FactoryClient(
            configuration: factoryConfiguration(factoryPort: try await factory.listening.port(), sidePort: 7480),
            httpClient: testHTTPClient, logger: testLogger()
        )
    }

    func testALostCallbackIsRecoveredByRequestingTheOrderAgain() async throws {
        try await withFactoryEnvironment { env in
            let entry = try await env.sellOut("LC-1", reorderQuantity: 4)
            let orders = FactoryOrders(keys: env.keys, redis: env.redis, deadline: .milliseconds(100))
            // The first factory takes the order and loses its callback; the second one answers.
            let losing = FactorySimulator(configuration: simulatorConfiguration { $0.dropCallbackRate = 1 }, logger: testLogger())
            let answering = FactorySimulator(configuration: simulatorConfiguration { $0.callbacks = false }, logger: testLogger())
            try await withServices([losing, answering]) {
                try await FactoryOrderHandler(orders: orders, client: try await client(losing)).handle(entry, context: testContext())
                let first = await losing.receivedOrders()
                XCTAssertEqual(first.count, 1)

                let watchdog = OrderWatchdog(
                    orders: orders, client: try await client(answering), maximumAttempts: 3, interval: .seconds(1), logger: testLogger()
                )
                let report = try await eventually("the deadline passed and the order was asked again") {
                    let report = try await watchdog.pass()
                    return report.requestedAgain.isEmpty ? nil : report
                }
                XCTAssertEqual(report.requestedAgain, [OrderReference(sku: "LC-1", number: 1)])
                let again = await answering.receivedOrders()
                XCTAssertEqual(again.map(\.callbackURL), first.map(\.callbackURL), "the same reference and token")
                let record = try await env.orderRecord("LC-1@1")
                XCTAssertEqual(record["status"], "requested")
                XCTAssertEqual(record["attempts"], "2")
                let level = try await env.stock(of: "LC-1")
                XCTAssertEqual(level.openOrder, "LC-1@1", "still the same order")
            }
        }
    }

    func testAnOrderOutOfAttemptsExpiresAndTheSKUOrdersAgain() async throws {
        try await withFactoryEnvironment { env in
            let entry = try await env.sellOut("LC-2", reorderQuantity: 4)
            let orders = FactoryOrders(keys: env.keys, redis: env.redis, deadline: .milliseconds(100))
            let silent = FactorySimulator(configuration: simulatorConfiguration { $0.callbacks = false }, logger: testLogger())
            try await withServices([silent]) {
                let client = try await client(silent)
                try await FactoryOrderHandler(orders: orders, client: client).handle(entry, context: testContext())
                let registry = PrometheusCollectorRegistry()
                let watchdog = OrderWatchdog(
                    orders: orders, client: client, maximumAttempts: 2, interval: .seconds(1),
                    metrics: FactoryMetrics(factory: PrometheusMetricsFactory(registry: registry)), logger: testLogger()
                )
                var requestedAgain: [OrderReference] = []
                let expiry = try await eventually("the order ran out of attempts") {
                    let report = try await watchdog.pass()
                    requestedAgain += report.requestedAgain
                    return report.expired.isEmpty ? nil : report
                }
                XCTAssertEqual(requestedAgain, [OrderReference(sku: "LC-2", number: 1)], "asked once more, then no more")
                XCTAssertEqual(expiry.expired, [OrderReference(sku: "LC-2", number: 1)])
                XCTAssertEqual(expiry.reopened, [OrderReference(sku: "LC-2", number: 2)], "the stock is still 0: order again")
                let received = await silent.receivedOrders()
                XCTAssertEqual(received.count, 2)

                let record = try await env.orderRecord("LC-2@1")
                XCTAssertEqual(record["status"], "expired")
                let level = try await env.stock(of: "LC-2")
                XCTAssertEqual(level.openOrder, "LC-2@2")
                let partition = env.keys.partition(of: "LC-2")
                let events = try await streamEntries(env.keys.stream(.stockEmpty, partition: partition), topic: .stockEmpty, partition: partition, on: env.redis)
                    .filter { $0.fields["sku"] == "LC-2" }
                XCTAssertEqual(events.map { $0.fields["order"] }, ["LC-2@1", "LC-2@2"])
                XCTAssertEqual(events.last?.fields["reason"], "expired_order")
                // `stockroom status` counts every transition; the reopened order is not prepared yet.
                let summary = try await FactoryOrderSummary.read(keys: env.keys, redis: env.redis)
                XCTAssertEqual(summary.transitions, ["opened": 1, "requested": 1, "requested_again": 1, "expired": 1])
                XCTAssertEqual(summary.waiting, 0)
                XCTAssertEqual(
                    summary.description,
                    "orders waiting=0 overdue=0 opened=1 requested=1 requested_again=1 delivered=0 expired=1 cancelled=0 failed=0 reopened=0"
                )
                // The watchdog's pass turned the same counts into gauges.
                var exposition: [UInt8] = []
                registry.emit(into: &exposition)
                let metrics = String(decoding: exposition, as: UTF8.self)
                for line in ["stockroom_order_transitions{transition=\"expired\"} 1", "stockroom_orders_waiting 0", "stockroom_orders_expired_total 1"] {
                    XCTAssertTrue(metrics.contains(line), "\(line) missing from:\n\(metrics)")
                }

                // The expired order's late delivery changes nothing: 410 at the side port.
                let callback = try XCTUnwrap(URLComponents(string: received[0].callbackURL))
                let token = try XCTUnwrap(callback.queryItems?.first { $0.name == "token" }?.value)
                let intake = ArrivalIntake(orders: orders, logger: testLogger())
                do throws(ArrivalError) {
                    _ = try await intake.receive(body: Array(received[0].body), order: "LC-2@1", token: token, peer: "test")
                    XCTFail("a delivery for an expired order must not be taken in")
                } catch {
                    XCTAssertEqual(error.code, .gone)
                }
                let after = try await env.stock(of: "LC-2")
                XCTAssertEqual(after.stock, 0)
            }
        }
    }

    /// An operator's way out: cancel closes a waiting order (the SKU may order again; a late delivery is
    /// refused), retry has the watchdog ask the factory again at once, list and show read the records.
    func testOperatorsCancelAndRetryOrders() async throws {
        try await withFactoryEnvironment { env in
            let orders = FactoryOrders(keys: env.keys, redis: env.redis)  // the default 600 s deadline
            let silent = FactorySimulator(configuration: simulatorConfiguration { $0.callbacks = false }, logger: testLogger())
            try await withServices([silent]) {
                let client = try await client(silent)
                let handler = FactoryOrderHandler(orders: orders, client: client)
                try await handler.handle(try await env.sellOut("OP-1", reorderQuantity: 4), context: testContext())
                try await handler.handle(try await env.sellOut("OP-2", reorderQuantity: 4), context: testContext())
                let first = OrderReference(sku: "OP-1", number: 1)
                let second = OrderReference(sku: "OP-2", number: 1)

                // Retry: due now, so the next pass asks again although the deadline is far away.
                let watchdog = OrderWatchdog(orders: orders, client: client, maximumAttempts: 3, interval: .seconds(1), logger: testLogger())
                let idle = try await watchdog.pass()
                XCTAssertTrue(idle.requestedAgain.isEmpty, "nothing is due yet")
                let scheduled = try await orders.retryNow(second, actor: "test")
                XCTAssertNil(scheduled)
                let retried = try await watchdog.pass()
                XCTAssertEqual(retried.requestedAgain, [second])

                // Cancel: closed for good, the SKU free to order again.
                let cancelled = try await orders.cancel(first, actor: "test")
                XCTAssertNil(cancelled)
                let again = try await orders.cancel(first, actor: "test")
                XCTAssertEqual(again, "cancelled", "only a waiting order can be cancelled")
                let level = try await env.stock(of: "OP-1")
                XCTAssertNil(level.openOrder)
                let listed = try await orders.list(state: .cancelled).records
                XCTAssertEqual(listed.map(\.order), ["OP-1@1"])
                let partition = env.keys.partition(of: "OP-1")
                let formerState = try await env.redis.send(["ZSCORE", env.keys.orderStateKey("requested", partition: partition), "OP-1@1"]).get()
                XCTAssertNil(formerState.string, "a cancelled order leaves its former state's index")
                let audit = try await env.redis.send(["XREVRANGE", env.keys.auditStream(partition: partition), "+", "-", "COUNT", "1"]).get()
                let cancelRecord = try (audit.array?.first?.array?[1] ?? .null).fieldDictionary()
                XCTAssertEqual(cancelRecord["action"], "cancel-order")
                XCTAssertEqual(cancelRecord["actor"], "test")
                XCTAssertEqual(cancelRecord["order"], "OP-1@1")
                XCTAssertEqual(cancelRecord["status"], "requested")
                let requested = try await orders.list(state: .requested, sku: "OP-2").records
                XCTAssertEqual(requested.map(\.attempts), [2])

                let received = await silent.receivedOrders()
                let placed = try XCTUnwrap(received.first)
                let callback = try XCTUnwrap(URLComponents(string: placed.callbackURL))
                let token = try XCTUnwrap(callback.queryItems?.first { $0.name == "token" }?.value)
                let intake = ArrivalIntake(orders: orders, logger: testLogger())
                do throws(ArrivalError) {
                    _ = try await intake.receive(body: Array(placed.body), order: "OP-1@1", token: token, peer: "test")
                    XCTFail("a delivery for a cancelled order must not be taken in")
                } catch {
                    XCTAssertEqual(error.code, .gone)
                }
            }
        }
    }
}
