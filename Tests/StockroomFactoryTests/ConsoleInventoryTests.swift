import NIOHTTP1
@testable import StockroomConsole
import StockroomCore
import StockroomRedis
import TestSupport
import XCTest

/// `/console/skus` and `/console/orders` over HTTP against a real Redis: prefix search and paging on
/// the server, filters, an order's timeline, and the admin's stock changes, cancels and retries,
/// refused on the server for anyone else and audited under the admin's name.
final class ConsoleInventoryTests: XCTestCase {
    func testTheSKUsPageSearchesByPrefixAndPagesOnTheServerAndIsReadOnlyWithoutCredentials() async throws {
        try await withFactoryEnvironment { env in
            for n in 1...25 {
                _ = try await env.store.setStock(StockUpdate(sku: String(format: "INV-A-%02d", n), stock: n), actor: "test", on: env.redis).get()
            }
            _ = try await env.store.setStock(StockUpdate(sku: "INV-B-1", stock: 3), actor: "test", on: env.redis).get()
            let service = sidePort(env, access: .loopbackOnly)
            try await withServices([service]) {
                let base = "http://127.0.0.1:\(try await service.listening.port())/console"
                let first = try await send(.GET, base + "/skus?prefix=INV-A&size=10")
                XCTAssertEqual(first.status, 200)
                XCTAssertTrue(first.body.contains("<code>INV-A-01</code>") && first.body.contains("<code>INV-A-10</code>"), first.body)
                XCTAssertFalse(first.body.contains("<code>INV-A-11</code>"), "ten a page")
                XCTAssertFalse(first.body.contains("INV-B-1"), "only the prefix")
                XCTAssertTrue(first.body.contains("href=\"/console/skus?prefix=INV-A&after=INV-A-10&size=10\""), first.body)
                XCTAssertFalse(first.body.contains("skus/adjust"), "no stock change without credentials")

                let second = try await send(.GET, base + "/skus?prefix=INV-A&after=INV-A-10&size=10")
                XCTAssertTrue(second.body.contains("<code>INV-A-11</code>") && second.body.contains("<code>INV-A-20</code>"))
                XCTAssertFalse(second.body.contains("<code>INV-A-10</code>"))

                let refused = try await send(.POST, base + "/skus/adjust", form: [("sku", "INV-B-1"), ("units", "5"), ("change", "add")])
                XCTAssertEqual(refused.status, 405)
                let level = try await env.stock(of: "INV-B-1")
                XCTAssertEqual(level.stock, 3, "a refused change changes nothing")
            }
        }
    }

    func testAnAdminChangesStockWithTheSessionsCSRFTokenAndTheAuditSaysWho() async throws {
        try await withFactoryEnvironment { env in
            _ = try await env.store.setStock(StockUpdate(sku: "INV-C-1", stock: 4), actor: "test", on: env.redis).get()
            let service = sidePort(env, access: ConsoleTests.credentials)
            try await withServices([service]) {
                let base = "http://127.0.0.1:\(try await service.listening.port())/console"
                let add = [("sku", "INV-C-1"), ("units", "5"), ("change", "add")]

                let ops = try await login(base, token: "ops-token")
                let opsPage = try await send(.GET, base + "/skus?prefix=INV-C", headers: [("Cookie", ops.cookie)])
                XCTAssertFalse(opsPage.body.contains("skus/adjust"), "ops see no stock change")
                let opsTry = try await send(
                    .POST, base + "/skus/adjust", form: add + [("csrf", try XCTUnwrap(csrf(in: opsPage.body)))], headers: [("Cookie", ops.cookie)]
                )
                XCTAssertEqual(opsTry.status, 403)

                let admin = try await login(base, token: "admin-token")
                let page = try await send(.GET, base + "/skus?prefix=INV-C", headers: [("Cookie", admin.cookie)])
                XCTAssertTrue(page.body.contains("action=\"/console/skus/adjust\""))
                let token = try XCTUnwrap(csrf(in: page.body))
                let noToken = try await send(.POST, base + "/skus/adjust", form: add, headers: [("Cookie", admin.cookie)])
                XCTAssertEqual(noToken.status, 403)
                let unchanged = try await env.stock(of: "INV-C-1")
                XCTAssertEqual(unchanged.stock, 4)

                let added = try await send(.POST, base + "/skus/adjust", form: add + [("csrf", token)], headers: [("Cookie", admin.cookie)])
                XCTAssertEqual(added.status, 200)
                XCTAssertTrue(added.body.contains("the stock is now 9"), added.body)
                let tooMany = try await send(
                    .POST, base + "/skus/adjust", form: [("sku", "INV-C-1"), ("units", "100"), ("change", "remove"), ("csrf", token)],
                    headers: [("Cookie", admin.cookie)]
                )
                XCTAssertEqual(tooMany.status, 400)
                XCTAssertTrue(tooMany.body.contains("the stock is 9"), tooMany.body)
                let unknown = try await send(
                    .POST, base + "/skus/adjust", form: [("sku", "INV-NONE"), ("units", "1"), ("change", "add"), ("csrf", token)],
                    headers: [("Cookie", admin.cookie)]
                )
                XCTAssertEqual(unknown.status, 404)
                let level = try await env.stock(of: "INV-C-1")
                XCTAssertEqual(level.stock, 9)

                let audit = try await send(.GET, base + "/audit", headers: [("Cookie", admin.cookie)])
                XCTAssertTrue(audit.body.contains("<td>stock-add</td><td>console:admin1</td>"), audit.body)
                XCTAssertTrue(audit.body.contains("+5 → stock 9") || audit.body.contains("5 → stock 9"), audit.body)
            }
        }
    }

    func testTheOrdersPageFiltersByStateAndSKUShowsATimelineAndAnAdminCancels() async throws {
        try await withFactoryEnvironment { env in
            let (open, token) = try await env.placedOrder("ORD-1")
            let (other, _) = try await env.placedOrder("ORD-2")
            let refusal = try await env.orders.cancel(other, actor: "test")
            XCTAssertNil(refusal)
            let service = sidePort(env, access: ConsoleTests.credentials)
            try await withServices([service]) {
                let base = "http://127.0.0.1:\(try await service.listening.port())/console"
                let admin = try await login(base, token: "admin-token")
                let cookie = [("Cookie", admin.cookie)]

                let all = try await send(.GET, base + "/orders", headers: cookie)
                XCTAssertEqual(all.status, 200)
                XCTAssertTrue(all.body.contains("<code>ORD-1@1</code>") && all.body.contains("<code>ORD-2@1</code>"), all.body)
                let opened = try await send(.GET, base + "/orders?state=open", headers: cookie)
                XCTAssertTrue(opened.body.contains("<code>ORD-1@1</code>"))
                XCTAssertFalse(opened.body.contains("<code>ORD-2@1</code>"), "a cancelled order is not open")
                let cancelled = try await send(.GET, base + "/orders?state=cancelled", headers: cookie)
                XCTAssertTrue(cancelled.body.contains("<code>ORD-2@1</code>"))
                XCTAssertFalse(cancelled.body.contains("<code>ORD-1@1</code>"))
                let bySKU = try await send(.GET, base + "/orders?sku=ORD-2", headers: cookie)
                XCTAssertTrue(bySKU.body.contains("<code>ORD-2@1</code>"))
                XCTAssertFalse(bySKU.body.contains("<code>ORD-1@1</code>"))
                let badState = try await send(.GET, base + "/orders?state=lost", headers: cookie)
                XCTAssertEqual(badState.status, 400)

                let detail = try await send(.GET, base + "/orders/show?ref=ORD-1@1", headers: cookie)
                XCTAssertEqual(detail.status, 200)
                XCTAssertTrue(detail.body.contains("opened for 10 units"), detail.body)
                XCTAssertTrue(detail.body.contains("deadline"), "an open order shows its deadline")
                XCTAssertFalse(detail.body.contains(token), "the callback token is the order's secret")
                let missing = try await send(.GET, base + "/orders/show?ref=ORD-9@1", headers: cookie)
                XCTAssertEqual(missing.status, 404)

                let csrfToken = try XCTUnwrap(csrf(in: detail.body))
                let ops = try await login(base, token: "ops-token")
                let opsPage = try await send(.GET, base + "/orders/show?ref=ORD-1@1", headers: [("Cookie", ops.cookie)])
                XCTAssertFalse(opsPage.body.contains("Cancel the order"), "ops see no buttons")
                let opsTry = try await send(
                    .POST, base + "/orders/act", form: [("ref", "ORD-1@1"), ("action", "cancel"), ("csrf", try XCTUnwrap(csrf(in: opsPage.body)))],
                    headers: [("Cookie", ops.cookie)]
                )
                XCTAssertEqual(opsTry.status, 403)
                let untouched = try await env.orderRecord(open.description)
                XCTAssertEqual(untouched["status"], "open")

                let retried = try await send(
                    .POST, base + "/orders/act", form: [("ref", "ORD-1@1"), ("action", "retry"), ("csrf", csrfToken)], headers: cookie
                )
                XCTAssertEqual(retried.status, 200)
                XCTAssertTrue(retried.body.contains("Scheduled"), retried.body)
                let done = try await send(
                    .POST, base + "/orders/act", form: [("ref", "ORD-1@1"), ("action", "cancel"), ("csrf", csrfToken)], headers: cookie
                )
                XCTAssertEqual(done.status, 200)
                XCTAssertTrue(done.body.contains("cancelled by console:admin1"), done.body)
                let closed = try await env.orderRecord(open.description)
                XCTAssertEqual(closed["status"], "cancelled")
                let again = try await send(
                    .POST, base + "/orders/act", form: [("ref", "ORD-1@1"), ("action", "cancel"), ("csrf", csrfToken)], headers: cookie
                )
                XCTAssertEqual(again.status, 409, "nothing changed: the order is cancelled")

                let audit = try await send(.GET, base + "/audit", headers: cookie)
                XCTAssertTrue(audit.body.contains("<td>cancel-order</td><td>console:admin1</td>"), audit.body)
                XCTAssertTrue(audit.body.contains("<td>retry-order</td><td>console:admin1</td>"), audit.body)
            }
        }
    }
}
