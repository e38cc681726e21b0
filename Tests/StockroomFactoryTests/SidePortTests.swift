import Logging
import Prometheus
import StockroomCore
import StockroomFactory
import StockroomRedis
import StockroomSidePort
import StockroomWarehouse
import TestSupport
import XCTest

final class SidePortTests: XCTestCase {
    private func sidePort(_ env: FactoryTestEnvironment, registry: PrometheusCollectorRegistry) -> SidePortService {
        sidePort(keys: env.keys, redis: env.redis, registry: registry)
    }

    private func sidePort(
        keys: KeySpace,
        redis: RedisConnection,
        registry: PrometheusCollectorRegistry,
        metricsAuthorization: (@Sendable (String) -> Bool)? = nil
    ) -> SidePortService {
        var configuration = SidePortConfiguration()
        configuration.port = 0
        configuration.metricsAuthorization = metricsAuthorization
        let metrics = ArrivalMetrics(factory: PrometheusMetricsFactory(registry: registry))
        let intake = ArrivalIntake(orders: FactoryOrders(keys: keys, redis: redis), metrics: metrics, logger: testLogger())
        return SidePortService(configuration: configuration, intake: intake, redis: redis, registry: registry, logger: testLogger())
    }

    /// With credentials on, /metrics (sales volume) needs an ops or admin token; /healthz stays open.
    func testMetricsNeedABearerTokenWhenAuthorizationIsOn() async throws {
        try await withFactoryEnvironment { env in
            let service = sidePort(
                keys: env.keys, redis: env.redis, registry: PrometheusCollectorRegistry(),
                metricsAuthorization: { $0 == "ops-token" }
            )
            try await withServices([service]) {
                let base = "http://127.0.0.1:\(try await service.listening.port())"
                let anonymous = try await httpGet(base + "/metrics")
                XCTAssertEqual(anonymous.status, 401, anonymous.body)
                XCTAssertFalse(anonymous.body.contains("stockroom_"), "no metric leaks")
                let wrong = try await httpGet(base + "/metrics", headers: [("Authorization", "Bearer sales-token")])
                XCTAssertEqual(wrong.status, 401)
                let basic = try await httpGet(base + "/metrics", headers: [("Authorization", "Basic ops-token")])
                XCTAssertEqual(basic.status, 401)
                let allowed = try await httpGet(base + "/metrics", headers: [("Authorization", "Bearer ops-token")])
                XCTAssertEqual(allowed.status, 200)
                let health = try await httpGet(base + "/healthz")
                XCTAssertEqual(health.status, 200)
            }
        }
    }

    func testAcceptsTheFactorysCallbackAndAppendsOneArrival() async throws {
        try await withFactoryEnvironment { env in
            let service = sidePort(env, registry: PrometheusCollectorRegistry())
            try await withServices([service]) {
                let port = try await service.listening.port()
                let (_, token) = try await env.placedOrder("SP-1", quantity: 12)
                let callback = "http://127.0.0.1:\(port)/arrival?order=SP-1%401&token=\(token)"
                let message = legacyMessage(sku: "SP-1", count: "\"12\"", callbackURL: callback)
                let answer = try await httpPost(callback, body: message)
                XCTAssertEqual(answer.status, 200, answer.body)
                XCTAssertEqual((answer.json as? [String: Any])?["status"] as? String, "accepted")

                let entries = try await env.arrivalEntries(of: "SP-1")
                XCTAssertEqual(entries.count, 1)
                let fields = try XCTUnwrap(entries.first?.fields)
                XCTAssertEqual(fields["sku"], "SP-1")
                XCTAssertEqual(fields["order"], "SP-1@1")
                XCTAssertEqual(fields["quantity"], "12")
                XCTAssertEqual(fields["token"], token)
                XCTAssertEqual(fields["factory_request"], message)
                XCTAssertNotNil(fields["received_at"].flatMap { Int($0) })
            }
        }
    }

    /// A forged callback (no token, a wrong one, an order never placed, another quantity) gets a 4xx,
    /// appends nothing and raises no stock; a repeat of a delivered order's callback gets 200 and
    /// changes nothing.
    func testForgedCallbacksAreRefusedAndAppendNothing() async throws {
        try await withFactoryEnvironment { env in
            let registry = PrometheusCollectorRegistry()
            let service = sidePort(env, registry: registry)
            try await withServices([service]) {
                let base = "http://127.0.0.1:\(try await service.listening.port())/arrival"
                let (order, token) = try await env.placedOrder("SP-6", quantity: 5)
                let message = { (count: String) in legacyMessage(sku: "SP-6", count: count, callbackURL: "x") }
                let cases: [(name: String, url: String, body: String, status: Int, code: String)] = [
                    ("no token", base + "?order=SP-6%401", message("1000000"), 403, "FORBIDDEN"),
                    ("a wrong token", base + "?order=SP-6%401&token=00000000000000000000000000000000", message("5"), 403, "FORBIDDEN"),
                    ("the token of a truncated guess", base + "?order=SP-6%401&token=\(token.prefix(31))", message("5"), 403, "FORBIDDEN"),
                    ("an order never placed", base + "?order=SP-6%402&token=\(token)", message("5"), 404, "UNKNOWN_ORDER"),
                    ("another quantity", base + "?order=SP-6%401&token=\(token)", message("6"), 409, "QUANTITY_MISMATCH"),
                ]
                for forged in cases {
                    let answer = try await httpPost(forged.url, body: forged.body)
                    XCTAssertEqual(answer.status, forged.status, "\(forged.name): \(answer.body)")
                    XCTAssertEqual((answer.json as? [String: Any])?["code"] as? String, forged.code, forged.name)
                }
                for partition in 0..<env.keys.partitions {
                    let length = try await env.redis.send(["XLEN", env.keys.stream(.stockArrival, partition: partition)]).get()
                    XCTAssertEqual(length.int, 0, "nothing appended to partition \(partition)")
                }
                let stock = try await env.stock(of: "SP-6")
                XCTAssertEqual(stock.stock, 0)
                XCTAssertEqual(stock.openOrder, "SP-6@1", "a forged callback closes nothing")

                // The real callback, applied, then repeated: 200, nothing appended, nothing raised twice.
                let real = base + "?order=SP-6%401&token=\(token)"
                let first = try await httpPost(real, body: message("5"))
                XCTAssertEqual(first.status, 200, first.body)
                let warehouse = WarehouseArrivalHandler(orders: env.orders)
                let arrivalEntries = try await env.arrivalEntries(of: "SP-6")
                let arrival = try XCTUnwrap(arrivalEntries.first)
                let applied = try await warehouse.process(arrival, logger: testLogger())
                XCTAssertEqual(applied, .applied(stock: 5, closedOpenOrder: true))
                let repeated = try await httpPost(real, body: message("5"))
                XCTAssertEqual(repeated.status, 200, repeated.body)
                XCTAssertEqual((repeated.json as? [String: Any])?["status"] as? String, "duplicate")
                let arrivals = try await env.arrivalEntries(of: "SP-6")
                XCTAssertEqual(arrivals.count, 1)
                let stockAfter = try await env.stock(of: "SP-6")
                XCTAssertEqual(stockAfter.stock, 5)
                _ = order

                let metrics = try await httpGet(base.replacingOccurrences(of: "/arrival", with: "/metrics")).body
                XCTAssertTrue(metrics.contains(#"stockroom_arrivals_refused_total{reason="forbidden"} 3"#), metrics)
                XCTAssertTrue(metrics.contains(#"stockroom_arrivals_refused_total{reason="unknown_order"} 1"#), metrics)
                XCTAssertTrue(metrics.contains(#"stockroom_arrivals_refused_total{reason="quantity_mismatch"} 1"#), metrics)
                XCTAssertTrue(metrics.contains("stockroom_arrivals_repeated_total 1"), metrics)
            }
        }
    }

    func testBadCallbacksAre400AndAppendNothing() async throws {
        try await withFactoryEnvironment { env in
            let service = sidePort(env, registry: PrometheusCollectorRegistry())
            try await withServices([service]) {
                let base = "http://127.0.0.1:\(try await service.listening.port())/arrival"
                let good = legacyMessage(sku: "SP-2", count: "3", callbackURL: "x")
                let cases: [(String, String, String)] = [
                    ("not JSON", base + "?order=SP-2%401", "{not json"),
                    ("a JSON array", base + "?order=SP-2%401", "[1,2]"),
                    ("no product", base + "?order=SP-2%401", #"{"MessageAttributeProductCnt":3}"#),
                    ("no count", base + "?order=SP-2%401", #"{"MessageAttributeProductId":"SP-2"}"#),
                    ("a zero count", base + "?order=SP-2%401", legacyMessage(sku: "SP-2", count: "0", callbackURL: "x")),
                    ("a negative count", base + "?order=SP-2%401", legacyMessage(sku: "SP-2", count: "\"-2\"", callbackURL: "x")),
                    ("a word for a count", base + "?order=SP-2%401", legacyMessage(sku: "SP-2", count: "\"three\"", callbackURL: "x")),
                    ("a fractional count", base + "?order=SP-2%401", legacyMessage(sku: "SP-2", count: "1.5", callbackURL: "x")),
                    ("a bad SKU", base + "?order=SP%202%401", legacyMessage(sku: "SP 2", count: "3", callbackURL: "x")),
                    ("no order", base, good),
                    ("an empty order", base + "?order=", good),
                    ("an order without a number", base + "?order=SP-2", good),
                    ("an order with a bad number", base + "?order=SP-2%40x", good),
                    ("an order of another SKU", base + "?order=SP-3%401", good),
                ]
                for (name, url, body) in cases {
                    let answer = try await httpPost(url, body: body)
                    XCTAssertEqual(answer.status, 400, "\(name): \(answer.body)")
                    XCTAssertEqual((answer.json as? [String: Any])?["code"] as? String, "INVALID_CALLBACK", name)
                }
                for partition in 0..<env.keys.partitions {
                    let length = try await env.redis.send(["XLEN", env.keys.stream(.stockArrival, partition: partition)]).get()
                    XCTAssertEqual(length.int, 0, "nothing appended to partition \(partition)")
                }
            }
        }
    }

    func testHealthAndMetrics() async throws {
        try await withFactoryEnvironment { env in
            let registry = PrometheusCollectorRegistry()
            let service = sidePort(env, registry: registry)
            try await withServices([service]) {
                let base = "http://127.0.0.1:\(try await service.listening.port())"
                let health = try await httpGet(base + "/healthz")
                XCTAssertEqual(health.status, 200)
                XCTAssertEqual(health.body.trimmingCharacters(in: .whitespacesAndNewlines), "ok")

                let (_, token) = try await env.placedOrder("SP-4", quantity: 1)
                let accepted = try await httpPost(
                    base + "/arrival?order=SP-4%401&token=\(token)", body: legacyMessage(sku: "SP-4", count: "1", callbackURL: "x")
                )
                XCTAssertEqual(accepted.status, 200, accepted.body)
                let refused = try await httpPost(base + "/arrival?order=SP-4%401", body: "{}")
                XCTAssertEqual(refused.status, 400)

                let metrics = try await httpGet(base + "/metrics")
                XCTAssertEqual(metrics.status, 200)
                XCTAssertTrue(metrics.body.contains("stockroom_arrivals_received_total 1"), metrics.body)
                XCTAssertTrue(metrics.body.contains("stockroom_arrivals_rejected_total 1"), metrics.body)
            }
        }
    }

    func testRedisDownGives503() async throws {
        try await withRedisServer { server in
            try await withRedisConnection(url: server.url) { redis in
                let service = sidePort(keys: KeySpace(partitions: 2, prefix: uniqueKeyPrefix()), redis: redis, registry: PrometheusCollectorRegistry())
                try await withServices([service]) {
                    let base = "http://127.0.0.1:\(try await service.listening.port())"
                    let before = try await httpGet(base + "/healthz")
                    XCTAssertEqual(before.status, 200)

                    await server.stop()
                    let health = try await httpGet(base + "/healthz")
                    XCTAssertEqual(health.status, 503)
                    let arrival = try await httpPost(
                        base + "/arrival?order=SP-5%401", body: legacyMessage(sku: "SP-5", count: "1", callbackURL: "x")
                    )
                    XCTAssertEqual(arrival.status, 503, arrival.body)
                    XCTAssertEqual((arrival.json as? [String: Any])?["code"] as? String, "BACKEND_UNAVAILABLE")
                }
            }
        }
    }
}
