import AsyncHTTPClient
import NIOCore
import NIOHTTP1
import Prometheus
@testable import StockroomConsole
import StockroomCore
import StockroomRedis
import StockroomSidePort
import TestSupport
import XCTest

/// The console's changes, refused on the server whatever a page shows: read-only without
/// credentials (405), admin only (403 for ops), a session's forms need its CSRF token (403), a
/// preview (dry run) first, then the change, audited under the operator's name.
final class ConsoleActionTests: XCTestCase {
    /// One warehouse dead letter in partition 0; returns its form reference (`topic/group|p0:<id>`).
    private func deadLetter(_ env: FactoryTestEnvironment) async throws -> String {
        let stream = env.keys.deadLetterStream(.stockArrival, group: "warehouse", partition: 0)
        let id = try await env.redis.send([
            "XADD", stream, "*", "sku", "ACT-1", "order", "ACT-1@1", "quantity", "5", "dlq.reason", "poison", "dlq.deliveries", "1",
            "dlq.last_error", "bad arrival",
        ]).get().string ?? ""
        return "stock-arrival/warehouse|p0:\(id)"
    }

    private func length(_ key: String, _ env: FactoryTestEnvironment) async throws -> Int {
        Int(try await env.redis.send(["XLEN", key]).get().int ?? -1)
    }

    func testWithoutCredentialsEveryChangeIsRefusedAs405() async throws {
        try await withFactoryEnvironment { env in
            let reference = try await deadLetter(env)
            let service = sidePort(env, access: .loopbackOnly)
            try await withServices([service]) {
                let base = "http://127.0.0.1:\(try await service.listening.port())/console"
                let refused = try await send(
                    .POST, base + "/dead-letters/act", form: [("action", "purge"), ("scope", "selected"), ("ref", reference), ("confirm", "1")]
                )
                XCTAssertEqual(refused.status, 405, refused.body)
                let left = try await length(env.keys.deadLetterStream(.stockArrival, group: "warehouse", partition: 0), env)
                XCTAssertEqual(left, 1)
                let page = try await send(.GET, base + "/dead-letters")
                XCTAssertFalse(page.body.contains("Preview purge"), "no buttons either")
                let loginAnswer = try await send(.POST, base + "/login", form: [("token", "x")])
                XCTAssertEqual(loginAnswer.status, 405)
            }
        }
    }

    func testAnAdminSessionPreviewsThenRedrivesWithItsCSRFTokenAndOpsMayNot() async throws {
        try await withFactoryEnvironment { env in
            let reference = try await deadLetter(env)
            let deadLetters = env.keys.deadLetterStream(.stockArrival, group: "warehouse", partition: 0)
            let retry = env.keys.retryStream(.stockArrival, group: "warehouse", partition: 0)
            let service = sidePort(env, access: ConsoleTests.credentials)
            try await withServices([service]) {
                let base = "http://127.0.0.1:\(try await service.listening.port())/console"
                let act = [("action", "redrive"), ("scope", "selected"), ("ref", reference)]

                let wrong = try await login(base, token: "sales-token")
                XCTAssertEqual(wrong.answer.status, 401)
                XCTAssertEqual(wrong.cookie, "", "no session for a wrong token")

                let ops = try await login(base, token: "ops-token")
                XCTAssertEqual(ops.answer.status, 303)
                let setCookie = ops.answer.headers["Set-Cookie"].first ?? ""
                for flag in ["HttpOnly", "SameSite=Strict", "Path=/console"] {
                    XCTAssertTrue(setCookie.contains(flag), "\(flag) in \(setCookie)")
                }
                XCTAssertFalse(setCookie.contains("Secure"), "plain HTTP: a Secure cookie would never come back")
                let behindTLS = try await send(
                    .POST, base + "/login", form: [("token", "ops-token")], headers: [("X-Forwarded-Proto", "https")]
                )
                XCTAssertTrue(behindTLS.headers["Set-Cookie"].first?.contains("; Secure") == true, "Secure on TLS")
                let opsPage = try await send(.GET, base + "/dead-letters", headers: [("Cookie", ops.cookie)])
                XCTAssertEqual(opsPage.status, 200)
                XCTAssertFalse(opsPage.body.contains("Preview redrive"), "ops see no buttons")
                let opsCSRF = try XCTUnwrap(csrf(in: opsPage.body), "the logout form carries it")
                let opsTry = try await send(.POST, base + "/dead-letters/act", form: act + [("csrf", opsCSRF)], headers: [("Cookie", ops.cookie)])
                XCTAssertEqual(opsTry.status, 403, "ops may read, not act")

                let admin = try await login(base, token: "admin-token")
                let adminPage = try await send(.GET, base + "/dead-letters", headers: [("Cookie", admin.cookie)])
                XCTAssertTrue(adminPage.body.contains("Preview redrive"))
                let token = try XCTUnwrap(csrf(in: adminPage.body))
                let noToken = try await send(.POST, base + "/dead-letters/act", form: act, headers: [("Cookie", admin.cookie)])
                XCTAssertEqual(noToken.status, 403, "a session's form needs its CSRF token")
                let otherToken = try await send(
                    .POST, base + "/dead-letters/act", form: act + [("csrf", opsCSRF)], headers: [("Cookie", admin.cookie)]
                )
                XCTAssertEqual(otherToken.status, 403, "another session's token does not do")

                let preview = try await send(.POST, base + "/dead-letters/act", form: act + [("csrf", token)], headers: [("Cookie", admin.cookie)])
                XCTAssertEqual(preview.status, 200)
                XCTAssertTrue(preview.body.contains("A redrive would take 1 dead letter. Nothing has changed yet."), preview.body)
                let afterPreview = try await length(deadLetters, env)
                XCTAssertEqual(afterPreview, 1, "a preview changes nothing")

                let done = try await send(
                    .POST, base + "/dead-letters/act", form: act + [("csrf", token), ("confirm", "1")], headers: [("Cookie", admin.cookie)]
                )
                XCTAssertEqual(done.status, 200)
                XCTAssertTrue(done.body.contains("Done: redrove 1 dead letter."), done.body)
                let afterRedrive = (try await length(deadLetters, env), try await length(retry, env))
                XCTAssertEqual(afterRedrive.0, 0)
                XCTAssertEqual(afterRedrive.1, 1, "back to the warehouse group only")
                let record = try await env.redis.send(["XREVRANGE", env.keys.auditStream(partition: 0), "+", "-", "COUNT", "1"]).get()
                XCTAssertTrue("\(record)".contains("console:admin1"), "audited under the admin's name: \(record)")

                let audit = try await send(.GET, base + "/audit", headers: [("Cookie", admin.cookie)])
                XCTAssertTrue(audit.body.contains("<td>redrive</td><td>console:admin1</td><td>stock-arrival/warehouse</td>"), audit.body)

                // Logged out, the cookie opens nothing.
                let out = try await send(.POST, base + "/logout", form: [("csrf", token)], headers: [("Cookie", admin.cookie)])
                XCTAssertEqual(out.status, 303)
                let afterLogout = try await send(.GET, base + "/dead-letters", headers: [("Cookie", admin.cookie)])
                XCTAssertEqual(afterLogout.status, 401)
            }
        }
    }

    func testAScriptWithAnAdminBearerTokenNeedsNoCSRFToken() async throws {
        try await withFactoryEnvironment { env in
            let reference = try await deadLetter(env)
            let service = sidePort(env, access: ConsoleTests.credentials)
            try await withServices([service]) {
                let base = "http://127.0.0.1:\(try await service.listening.port())/console"
                let form = [("action", "purge"), ("scope", "selected"), ("ref", reference), ("confirm", "1")]
                let ops = try await send(.POST, base + "/dead-letters/act", form: form, headers: [("Authorization", "Bearer ops-token")])
                XCTAssertEqual(ops.status, 403)
                let admin = try await send(.POST, base + "/dead-letters/act", form: form, headers: [("Authorization", "Bearer admin-token")])
                XCTAssertEqual(admin.status, 200, admin.body)
                XCTAssertTrue(admin.body.contains("Done: purged 1 dead letter."))
                let left = try await length(env.keys.deadLetterStream(.stockArrival, group: "warehouse", partition: 0), env)
                XCTAssertEqual(left, 0)
            }
        }
    }
}
