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
    /// Two operators: `ops1` reads, `admin1` may act.
    static let credentials = ConsoleAccess.credentials { token in
        switch token {
        case "ops-token": ConsoleUser(name: "ops1", mayAct: false)
        case "admin-token": ConsoleUser(name: "admin1", mayAct: true)
        default: nil
        }
    }

    func testTheOverviewShowsTheOpenOrderAndEveryGroupAndTheStreamsPageEveryPartition() async throws {
        try await withFactoryEnvironment { env in
            _ = try await env.store.setStock(StockUpdate(sku: "CONSOLE-1", stock: 1, reorderPoint: 0, reorderQuantity: 5), actor: "test", on: env.redis).get()
            for n in 0..<2 {
                _ = try await env.store.purchase(
                    PurchaseOrder(sku: "CONSOLE-1", quantity: 1, purchaseID: "p\(n)", customer: "c"), on: env.redis
                ).get()
            }
            // The sell-out opened CONSOLE-1@1; the factory handler prepares it, which gives it its deadline.
            _ = try await env.orders.prepare(
                OrderReference(sku: "CONSOLE-1", number: 1), quantity: 5, partition: env.keys.partition(of: "CONSOLE-1")
            )
            let service = sidePort(env, access: .loopbackOnly)
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
                XCTAssertTrue(script.body.contains("select.dataset.live"), "the refresh script: \(script.body.prefix(80))")
            }
        }
    }

    func testWithCredentialsTheConsoleNeedsAnOpsTokenBeforeReadingAnything() async throws {
        try await withFactoryEnvironment { env in
            let service = sidePort(env, access: Self.credentials)
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
        func decide(_ ip: String?) throws -> ConsoleAccess.Decision {
            access.decide(peer: try ip.map { try SocketAddress(ipAddress: $0, port: 5000) }, authorization: "Bearer x", session: nil)
        }
        XCTAssertEqual(try decide("127.0.0.1"), .local)
        XCTAssertEqual(try decide("127.8.9.10"), .local)
        XCTAssertEqual(try decide("::1"), .local)
        XCTAssertEqual(try decide("10.0.0.7"), .notLoopback)
        XCTAssertEqual(try decide("192.168.1.2"), .notLoopback)
        XCTAssertEqual(try decide("2001:db8::1"), .notLoopback)
        XCTAssertEqual(try decide(nil), .notLoopback)
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

    /// Dead letters written as the dead-letter script writes them: the original fields, then `dlq.*`.
    private func addDeadLetter(
        _ env: FactoryTestEnvironment, _ subscription: Subscription, partition: Int, id: String, sku: String, error: String,
        extra: [String: String] = [:]
    ) async throws {
        let stream = env.keys.deadLetterStream(subscription.topic, group: subscription.group, partition: partition)
        var command = ["XADD", stream, id, "sku", sku]
        for (name, value) in extra.sorted(by: { $0.key < $1.key }) { command += [name, value] }
        command += ["dlq.reason", "max-deliveries", "dlq.deliveries", "3", "dlq.last_error", error, "dlq.original_id", "1-1"]
        _ = try await env.redis.send(command).get()
    }

    func testDeadLettersArePagedNewestFirstAcrossPartitionsFilteredAndShownWhole() async throws {
        try await withFactoryEnvironment { env in
            // 130 dead letters over two groups and every partition, and two with the same id in two
            // partitions: ids are unique per stream only.
            for n in 0..<130 {
                let subscription: Subscription = n % 3 == 0 ? .warehouse : .factory
                try await addDeadLetter(
                    env, subscription, partition: n % env.keys.partitions, id: "\(1_000_000 + n)-0", sku: "DL-\(n % 7)",
                    error: n % 10 == 0 ? "Factory said NO (\(n))" : "timeout after \(n) s"
                )
            }
            try await addDeadLetter(env, .factory, partition: 0, id: "2000000-5", sku: "TWIN", error: "twin")
            try await addDeadLetter(env, .factory, partition: 1, id: "2000000-5", sku: "TWIN", error: "twin")
            let huge = String(repeating: "x", count: 100_000)
            try await addDeadLetter(
                env, .factory, partition: 2, id: "3000000-0", sku: "BIG", error: "<img src=x onerror=alert(1)>", extra: ["payload": huge]
            )
            let service = sidePort(env, access: .loopbackOnly)
            try await withServices([service]) {
                let base = "http://127.0.0.1:\(try await service.listening.port())"
                // Every page, following the "Older" links: each dead letter exactly once, newest first.
                var seen: [String] = []
                var next: String? = "/console/dead-letters?size=50"
                var pages = 0
                while let path = next, pages < 10 {
                    let answer = try await httpGet(base + path)
                    XCTAssertEqual(answer.status, 200, path)
                    seen += rows(answer.body)
                    next = olderLink(answer.body)
                    pages += 1
                }
                XCTAssertEqual(pages, 3)
                XCTAssertEqual(seen.count, 133)
                XCTAssertEqual(Set(seen).count, 133, "no dead letter twice")
                XCTAssertEqual(seen.prefix(3), ["p2:3000000-0", "p1:2000000-5", "p0:2000000-5"])

                let first = try await httpGet(base + "/console/dead-letters")
                XCTAssertTrue(first.body.contains("&lt;img src=x onerror=alert(1)&gt;"), "the error is escaped")
                XCTAssertFalse(first.body.contains("<img src=x"))
                XCTAssertFalse(first.body.contains(String(repeating: "x", count: 200)), "a large field stays out of the list")

                let bySKU = rows(try await httpGet(base + "/console/dead-letters?sku=DL-3&size=200").body)
                XCTAssertEqual(bySKU.count, (0..<130).filter { $0 % 7 == 3 }.count)
                let byError = rows(try await httpGet(base + "/console/dead-letters?error=factory%20said%20no&size=200").body)
                XCTAssertEqual(byError.count, 13, "case-insensitive")
                let byGroup = rows(try await httpGet(base + "/console/dead-letters?group=stock-arrival/warehouse&size=200").body)
                XCTAssertEqual(byGroup.count, (0..<130).filter { $0 % 3 == 0 }.count)
                let unknown = try await httpGet(base + "/console/dead-letters?group=nope/nothing")
                XCTAssertEqual(unknown.status, 400)

                let detail = try await httpGet(base + "/console/dead-letters/show?group=stock-empty/factory&ref=p2:3000000-0")
                XCTAssertEqual(detail.status, 200)
                XCTAssertTrue(detail.body.contains("the whole value (100000 bytes)"), "a cut field links its whole value")
                XCTAssertLessThan(detail.body.utf8.count, 20_000, "the page itself stays small")
                let whole = try await httpGet(base + "/console/dead-letters/field?group=stock-empty/factory&ref=p2:3000000-0&name=payload")
                XCTAssertEqual(whole.body, huge)
                let missing = try await httpGet(base + "/console/dead-letters/show?group=stock-empty/factory&ref=p2:1-1")
                XCTAssertEqual(missing.status, 404)
            }
        }
    }

    /// The references of a dead-letter page's rows, in order.
    private func rows(_ body: String) -> [String] {
        body.components(separatedBy: "<tr><td><a href=\"/console/dead-letters/show?").dropFirst().compactMap { row in
            row.components(separatedBy: "<code>").dropFirst().first?.components(separatedBy: "</code>").first
        }
    }

    private func olderLink(_ body: String) -> String? {
        guard let range = body.range(of: "<a href=\"/console/dead-letters?") else { return nil }
        let rest = body[range.lowerBound...].dropFirst("<a href=\"".count)
        guard let end = rest.firstIndex(of: "\"") else { return nil }
        return String(rest[..<end]).replacingOccurrences(of: "&amp;", with: "&")
    }

    func testTheAuditPageWalksEveryPartitionNewestFirstOnceEach() async throws {
        try await withFactoryEnvironment { env in
            // 30 records in each of two partitions, with the same ids in both: unique per stream only.
            for n in 0..<30 {
                for partition in [0, 1] {
                    _ = try await env.redis.send([
                        "XADD", env.keys.auditStream(partition: partition), "\(5_000_000 + n)-0", "action", "purge",
                        "actor", "console:p\(partition)n\(n)", "at", "\(5_000_000 + n)", "topic", "sales", "group", "ops", "count", "1",
                    ]).get()
                }
            }
            let service = sidePort(env, access: .loopbackOnly)
            try await withServices([service]) {
                let base = "http://127.0.0.1:\(try await service.listening.port())"
                var actors: [String] = []
                var next: String? = "/console/audit?size=25"
                var pages = 0
                while let path = next, pages < 5 {
                    let answer = try await httpGet(base + path)
                    XCTAssertEqual(answer.status, 200)
                    actors += answer.body.components(separatedBy: "<td>purge</td><td>").dropFirst().compactMap { $0.components(separatedBy: "</td>").first }
                    next = answer.body.range(of: "<a href=\"/console/audit?").map { range in
                        let rest = answer.body[range.lowerBound...].dropFirst("<a href=\"".count)
                        return String(rest.prefix { $0 != "\"" }).replacingOccurrences(of: "&amp;", with: "&")
                    }
                    pages += 1
                }
                XCTAssertEqual(pages, 3)
                XCTAssertEqual(actors.count, 60)
                XCTAssertEqual(Set(actors).count, 60, "each record once")
                XCTAssertEqual(Array(actors.prefix(2)), ["console:p1n29", "console:p0n29"], "newest first")
            }
        }
    }

    func testWhileRedisIsDownThePagesAnswer503AndSaySo() async throws {
        try await withRedisServer { server in
            try await withRedisConnection(url: server.url) { redis in
                var configuration = SidePortConfiguration()
                configuration.port = 0
                let keys = KeySpace(partitions: 2)
                let service = SidePortService(
                    configuration: configuration, intake: ArrivalIntake(orders: FactoryOrders(keys: keys, redis: redis), logger: testLogger()),
                    redis: redis, registry: PrometheusCollectorRegistry(), console: ConsoleData(keys: keys, redis: redis), logger: testLogger()
                )
                try await withServices([service]) {
                    let base = "http://127.0.0.1:\(try await service.listening.port())/console"
                    let healthy = try await httpGet(base + "/")
                    XCTAssertEqual(healthy.status, 200)
                    await server.kill()
                    for path in ["/", "/streams", "/dead-letters", "/audit"] {
                        let answer = try await httpGet(base + path)
                        XCTAssertEqual(answer.status, path == "/streams" ? 200 : 503, "\(path): \(answer.body)")
                        if path != "/streams" { XCTAssertTrue(answer.body.hasPrefix("Redis did not answer"), answer.body) }
                    }
                }
            }
        }
    }
}
