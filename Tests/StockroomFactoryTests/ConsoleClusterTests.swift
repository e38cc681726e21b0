import NIOHTTP1
@testable import StockroomConsole
import StockroomCore
import StockroomRedis
import TestSupport
import XCTest

/// The console on a Redis Cluster: its indexes and dead letters live on every master, and its pages
/// and bulk jobs reach each partition on the node that holds it.
final class ConsoleClusterTests: XCTestCase {
    func testOnAClusterThePagesReachEveryPartitionAndABulkRedriveMovesEveryMatch() async throws {
        try await withFactoryEnvironment(url: try await TestCluster.sharedSeedURL()) { env in
            for n in 1...30 {
                _ = try await env.store.setStock(StockUpdate(sku: String(format: "CL-%02d", n), stock: n), actor: "test", on: env.redis).get()
            }
            _ = try await env.placedOrder("CL-ORD-1")
            let (cancelled, _) = try await env.placedOrder("CL-ORD-2")
            let refusal = try await env.orders.cancel(cancelled, actor: "test")
            XCTAssertNil(refusal)
            // Dead letters on every partition, hence on every master.
            var deadLetters = 0
            for partition in 0..<env.keys.partitions {
                for n in 0..<3 {
                    _ = try await env.redis.send([
                        "XADD", env.keys.deadLetterStream(.stockArrival, group: "warehouse", partition: partition), "*",
                        "sku", "CL-DL-\(partition)-\(n)", "dlq.reason", "max-deliveries", "dlq.deliveries", "3", "dlq.last_error", "cluster test",
                    ]).get()
                    deadLetters += 1
                }
            }
            let service = sidePort(env, access: ConsoleTests.credentials, redriveRate: 1000)
            try await withServices([service]) {
                let base = "http://127.0.0.1:\(try await service.listening.port())/console"
                let admin = try await login(base, token: "admin-token")
                let cookie = [("Cookie", admin.cookie)]

                var listed: [String] = []
                var next: String? = "/skus?prefix=CL-&size=10"
                while let path = next, listed.count < 100 {
                    let page = try await send(.GET, base + path, headers: cookie)
                    XCTAssertEqual(page.status, 200)
                    listed += page.body.components(separatedBy: "<code>CL-").dropFirst().map { "CL-" + $0.prefix { $0 != "<" } }
                    next = page.body.range(of: "href=\"/console/skus?").map { range in
                        "/skus?" + page.body[range.upperBound...].prefix { $0 != "\"" }.replacingOccurrences(of: "&amp;", with: "&")
                    }
                }
                let skus = listed.filter { !$0.contains("@") && !$0.hasPrefix("CL-ORD") }
                XCTAssertEqual(skus, (1...30).map { String(format: "CL-%02d", $0) }, "every SKU once, by name, across the masters")

                let cancelledPage = try await send(.GET, base + "/orders?state=cancelled", headers: cookie)
                XCTAssertTrue(cancelledPage.body.contains("<code>CL-ORD-2@1</code>"))
                XCTAssertFalse(cancelledPage.body.contains("<code>CL-ORD-1@1</code>"))

                let page = try await send(.GET, base + "/dead-letters", headers: cookie)
                let token = try XCTUnwrap(csrf(in: page.body))
                let added = try await send(
                    .POST, base + "/skus/adjust", form: [("sku", "CL-07"), ("units", "3"), ("change", "add"), ("csrf", token)], headers: cookie
                )
                XCTAssertEqual(added.status, 200)
                let level = try await env.stock(of: "CL-07")
                XCTAssertEqual(level.stock, 10)

                let act = [("action", "redrive"), ("scope", "filter"), ("error", "cluster test"), ("csrf", token)]
                let preview = try await send(.POST, base + "/dead-letters/act", form: act, headers: cookie)
                XCTAssertTrue(preview.body.contains("would take \(deadLetters) dead letters now"), preview.body)
                let started = try await send(.POST, base + "/dead-letters/act", form: act + [("confirm", "1")], headers: cookie)
                let id = String((started.headers["Location"].first ?? "").dropFirst("/console/dead-letters/jobs/show?id=".count))
                let finished = try await eventually("the bulk redrive finished") { () -> [String: String]? in
                    let record = try await env.redis.send(["HGETALL", env.keys.consoleJobKey(id)]).get().fieldDictionary()
                    return record["state"] == "finished" ? record : nil
                }
                XCTAssertEqual(finished["done"], String(deadLetters))
                for partition in 0..<env.keys.partitions {
                    let left = try await env.redis.send(["XLEN", env.keys.deadLetterStream(.stockArrival, group: "warehouse", partition: partition)]).get()
                    let retried = try await env.redis.send(["XLEN", env.keys.retryStream(.stockArrival, group: "warehouse", partition: partition)]).get()
                    XCTAssertEqual(left.int, 0, "partition \(partition)")
                    XCTAssertEqual(retried.int, 3, "partition \(partition)")
                }
            }
        }
    }
}
