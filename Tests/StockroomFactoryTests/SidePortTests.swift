import Logging
import Prometheus
import StockroomCore
import StockroomFactory
import StockroomRedis
import StockroomSidePort
import TestSupport
import XCTest

final class SidePortTests: XCTestCase {
    private func sidePort(_ env: FactoryTestEnvironment, registry: PrometheusCollectorRegistry) -> SidePortService {
        sidePort(keys: env.keys, redis: env.redis, registry: registry)
    }

    private func sidePort(keys: KeySpace, redis: RedisConnection, registry: PrometheusCollectorRegistry) -> SidePortService {
        var configuration = SidePortConfiguration()
        configuration.port = 0
        let metrics = ArrivalMetrics(factory: PrometheusMetricsFactory(registry: registry))
        let intake = ArrivalIntake(orders: FactoryOrders(keys: keys, redis: redis), metrics: metrics, logger: testLogger())
        return SidePortService(configuration: configuration, intake: intake, redis: redis, registry: registry, logger: testLogger())
    }

    func testAcceptsACallbackAndAppendsOneArrival() async throws {
        try await withFactoryEnvironment { env in
            let service = sidePort(env, registry: PrometheusCollectorRegistry())
            try await withServices([service]) {
                let port = try await service.listening.port()
                let message = legacyMessage(sku: "SP-1", count: "\"12\"", callbackURL: "http://127.0.0.1:\(port)/arrival?order=SP-1%405")
                let answer = try await httpPost("http://127.0.0.1:\(port)/arrival?order=SP-1%405", body: message)
                XCTAssertEqual(answer.status, 200, answer.body)
                XCTAssertEqual((answer.json as? [String: Any])?["status"] as? String, "accepted")

                let entries = try await env.arrivalEntries(of: "SP-1")
                XCTAssertEqual(entries.count, 1)
                let fields = try XCTUnwrap(entries.first?.fields)
                XCTAssertEqual(fields["sku"], "SP-1")
                XCTAssertEqual(fields["order"], "SP-1@5")
                XCTAssertEqual(fields["quantity"], "12")
                XCTAssertEqual(fields["factory_request"], message)
                XCTAssertNotNil(fields["received_at"].flatMap { Int($0) })
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

                let accepted = try await httpPost(
                    base + "/arrival?order=SP-4%401", body: legacyMessage(sku: "SP-4", count: "1", callbackURL: "x")
                )
                XCTAssertEqual(accepted.status, 200)
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
