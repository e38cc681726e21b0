import NIOCore
import Prometheus
@testable import StockroomConsole
import StockroomCore
import StockroomRedis
import StockroomSidePort
import TestSupport
import XCTest

/// The console's read-only pages over HTTP, on the side port, against a real Redis: what they show,
/// and who may see them.
final class ConsoleTests: XCTestCase {
    private func sidePort(_ env: FactoryTestEnvironment, access: ConsoleAccess = .loopbackOnly) -> SidePortService {
        var configuration = SidePortConfiguration()
        configuration.port = 0
        configuration.consoleAccess = access
        let intake = ArrivalIntake(orders: env.orders, logger: testLogger())
        return SidePortService(
            configuration: configuration, intake: intake, redis: env.redis, registry: PrometheusCollectorRegistry(),
            console: ConsoleData(keys: env.keys, redis: env.redis), logger: testLogger()
        )
    }

    func testTheOverviewShowsTheOpenOrderAndEveryGroupAndTheStreamsPageEveryPartition() async throws {
        try await withFactoryEnvironment { env in
            _ = try await env.store.setStock(StockUpdate(sku: "CONSOLE-1", stock: 1, reorderPoint: 0, reorderQuantity: 5), on: env.redis).get()
            for n in 0..<2 {
                _ = try await env.store.purchase(
                    PurchaseOrder(sku: "CONSOLE-1", quantity: 1, purchaseID: "p\(n)", customer: "c"), on: env.redis
                ).get()
            }
            // The sell-out opened CONSOLE-1@1; the factory handler prepares it, which gives it its deadline.
            _ = try await env.orders.prepare(
                OrderReference(sku: "CONSOLE-1", number: 1), quantity: 5, partition: env.keys.partition(of: "CONSOLE-1")
            )
            let service = sidePort(env)
            try await withServices([service]) {
                let base = "http://127.0.0.1:\(try await service.listening.port())/console"
                let overview = try await httpGet(base + "/")
                XCTAssertEqual(overview.status, 200)
                XCTAssertTrue(overview.body.contains("<h2>Orders waiting</h2><p class=\"value\">1</p>"), overview.body)
                XCTAssertTrue(overview.body.contains("next: CONSOLE-1@1"), overview.body)
                for subscription in Subscription.all {
                    XCTAssertTrue(
                        overview.body.contains("<td>\(subscription.topic.rawValue)</td><td>\(subscription.group)</td>"), "\(subscription)"
                    )
                }

                let live = try await httpGet(base + "/overview/live")
                XCTAssertEqual(live.status, 200)
                XCTAssertTrue(live.body.hasPrefix("<section class=\"cards\">"), "a fragment, not a page: \(live.body.prefix(80))")

                let jsonAnswer = try await httpGet(base + "/overview.json")
                let json = try XCTUnwrap(jsonAnswer.json as? [String: Any])
                XCTAssertEqual(json["ordersWaiting"] as? Int, 1)
                XCTAssertEqual((json["nextDeadline"] as? [String: Any])?["order"] as? String, "CONSOLE-1@1")
                XCTAssertEqual((json["groups"] as? [Any])?.count, Subscription.all.count)

                let streams = try await httpGet(base + "/streams")
                XCTAssertEqual(streams.status, 200)
                let rows = streams.body.components(separatedBy: "<tr><td>").count - 1
                XCTAssertEqual(rows, env.keys.partitions * Subscription.all.count)
                XCTAssertTrue(streams.body.contains("127.0.0.1:"), "each partition's node")

                let css = try await httpGet(base + "/assets/console.css")
                XCTAssertEqual(css.status, 200)
                XCTAssertTrue(css.body.contains(".cards"))
                let script = try await httpGet(base + "/assets/console.js")
                XCTAssertTrue(script.body.contains("overview") || script.body.contains("dataset.live"))
            }
        }
    }

    func testWithCredentialsTheConsoleNeedsAnOpsTokenBeforeReadingAnything() async throws {
        try await withFactoryEnvironment { env in
            let service = sidePort(env, access: .token { $0 == "ops-token" })
            try await withServices([service]) {
                let base = "http://127.0.0.1:\(try await service.listening.port())/console"
                for path in ["/", "/overview/live", "/overview.json", "/streams"] {
                    let anonymous = try await httpGet(base + path)
                    XCTAssertEqual(anonymous.status, 401, path)
                    XCTAssertFalse(anonymous.body.contains("stock-empty"), "nothing leaks: \(path)")
                    let wrong = try await httpGet(base + path, headers: [("Authorization", "Bearer sales-token")])
                    XCTAssertEqual(wrong.status, 401, path)
                    let allowed = try await httpGet(base + path, headers: [("Authorization", "Bearer ops-token")])
                    XCTAssertEqual(allowed.status, 200, path)
                }
            }
        }
    }

    func testWithoutCredentialsOnlyLoopbackCallersAreAnswered() throws {
        let access = ConsoleAccess.loopbackOnly
        XCTAssertEqual(access.decide(peer: try SocketAddress(ipAddress: "127.0.0.1", port: 5000), authorization: nil), .allowed)
        XCTAssertEqual(access.decide(peer: try SocketAddress(ipAddress: "127.8.9.10", port: 5000), authorization: nil), .allowed)
        XCTAssertEqual(access.decide(peer: try SocketAddress(ipAddress: "::1", port: 5000), authorization: nil), .allowed)
        XCTAssertEqual(access.decide(peer: try SocketAddress(ipAddress: "10.0.0.7", port: 5000), authorization: nil), .notLoopback)
        XCTAssertEqual(access.decide(peer: try SocketAddress(ipAddress: "192.168.1.2", port: 5000), authorization: "Bearer x"), .notLoopback)
        XCTAssertEqual(access.decide(peer: try SocketAddress(ipAddress: "2001:db8::1", port: 5000), authorization: nil), .notLoopback)
        XCTAssertEqual(access.decide(peer: nil, authorization: nil), .notLoopback)
    }

    func testTextIsEscapedForHTML() {
        XCTAssertEqual(escape("<script>alert('x') & \"y\"</script>"), "&lt;script&gt;alert(&#39;x&#39;) &amp; &quot;y&quot;&lt;/script&gt;")
    }

    func testRatesComeFromTheGrowthOfEntriesAddedBetweenSamples() {
        let samples = [
            StreamRates.Sample(at: 100, sales: 1_000, stockOuts: 3),
            StreamRates.Sample(at: 102, sales: 1_500, stockOuts: 3),
            StreamRates.Sample(at: 106, sales: 1_500, stockOuts: 5),
        ]
        XCTAssertEqual(
            StreamRates.rates(samples),
            [
                StreamRates.Rate(at: 102, salesPerSecond: 250, stockOutsPerSecond: 0),
                StreamRates.Rate(at: 106, salesPerSecond: 0, stockOutsPerSecond: 0.5),
            ]
        )
    }
}
