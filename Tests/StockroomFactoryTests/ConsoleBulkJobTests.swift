import NIOHTTP1
@testable import StockroomConsole
import StockroomCore
import StockroomRedis
import TestSupport
import XCTest

/// A bulk redrive of everything a filter matches: the dry-run count first, then a job that moves
/// the dead letters at the redrive rate, keeps its progress in Redis (any console, after any reload,
/// shows it) and stops on cancel.
final class ConsoleBulkJobTests: XCTestCase {
    /// `count` warehouse dead letters in partition 0 whose last error is `error`.
    private func deadLetters(_ env: FactoryTestEnvironment, count: Int, error: String) async throws {
        let stream = env.keys.deadLetterStream(.stockArrival, group: "warehouse", partition: 0)
        for n in 0..<count {
            _ = try await env.redis.send([
                "XADD", stream, "*", "sku", "BULK-\(n)", "order", "BULK-\(n)@1", "quantity", "5", "dlq.reason", "max-deliveries",
                "dlq.deliveries", "5", "dlq.last_error", error,
            ]).get()
        }
    }

    private func job(_ id: String, _ env: FactoryTestEnvironment) async throws -> [String: String] {
        try await env.redis.send(["HGETALL", env.keys.consoleJobKey(id)]).get().fieldDictionary()
    }

    func testABulkRedriveOfAFilterShowsItsCountFirstRunsAsAJobAndStopsOnCancel() async throws {
        try await withFactoryEnvironment { env in
            try await deadLetters(env, count: 20, error: "bad arrival: quantity mismatch")
            try await deadLetters(env, count: 10, error: "factory said no")
            let deadLetterStream = env.keys.deadLetterStream(.stockArrival, group: "warehouse", partition: 0)
            let retryStream = env.keys.retryStream(.stockArrival, group: "warehouse", partition: 0)
            // One a second: the job is far from done when the cancel comes.
            let slow = sidePort(env, access: ConsoleTests.credentials, redriveRate: 1)
            let fast = sidePort(env, access: ConsoleTests.credentials, redriveRate: 1000)
            try await withServices([slow, fast]) {
                let base = "http://127.0.0.1:\(try await slow.listening.port())/console"
                let otherBase = "http://127.0.0.1:\(try await fast.listening.port())/console"
                let admin = try await login(base, token: "admin-token")
                let cookie = [("Cookie", admin.cookie)]
                let listed = try await send(.GET, base + "/dead-letters?error=bad+arrival", headers: cookie)
                XCTAssertTrue(listed.body.contains("every dead letter matching the filter: error contains"), listed.body)
                let token = try XCTUnwrap(csrf(in: listed.body))
                let act = [("action", "redrive"), ("scope", "filter"), ("group", "stock-arrival/warehouse"), ("error", "bad arrival"), ("csrf", token)]

                let preview = try await send(.POST, base + "/dead-letters/act", form: act, headers: cookie)
                XCTAssertEqual(preview.status, 200)
                XCTAssertTrue(preview.body.contains("would take 20 dead letters now. Nothing has changed yet."), preview.body)
                XCTAssertTrue(preview.body.contains("1 per second"), preview.body)
                let untouched = Int(try await env.redis.send(["XLEN", deadLetterStream]).get().int ?? -1)
                XCTAssertEqual(untouched, 30, "a preview changes nothing")

                let ops = try await login(base, token: "ops-token")
                let opsTry = try await send(.POST, base + "/dead-letters/act", form: act + [("confirm", "1")], headers: [("Cookie", ops.cookie)])
                XCTAssertEqual(opsTry.status, 403)

                let started = try await send(.POST, base + "/dead-letters/act", form: act + [("confirm", "1")], headers: cookie)
                XCTAssertEqual(started.status, 303)
                let location = try XCTUnwrap(started.headers["Location"].first)
                XCTAssertTrue(location.hasPrefix("/console/dead-letters/jobs/show?id="), location)
                let id = String(location.dropFirst("/console/dead-letters/jobs/show?id=".count)).removingPercentEncoding ?? ""

                try await eventually("the job moved its first dead letters") { () -> Bool? in
                    let record = try await job(id, env)
                    return (Int(record["done"] ?? "") ?? 0) >= 2 ? true : nil
                }
                // Another console (a reload, another tab, another process) shows the same job from Redis.
                let otherAdmin = try await login(otherBase, token: "admin-token")
                let elsewhere = try await send(.GET, otherBase + "/dead-letters/jobs/show?id=\(id)", headers: [("Cookie", otherAdmin.cookie)])
                XCTAssertEqual(elsewhere.status, 200)
                XCTAssertTrue(elsewhere.body.contains("of 20 redriven: running"), elsewhere.body)
                XCTAssertTrue(elsewhere.body.contains("/console/dead-letters/jobs/live?id="), "the page refreshes its progress")
                let banner = try await send(.GET, base + "/dead-letters", headers: cookie)
                XCTAssertTrue(banner.body.contains("A bulk redrive of group stock-arrival/warehouse, error contains"), banner.body)

                let opsPage = try await send(.GET, base + "/dead-letters", headers: [("Cookie", ops.cookie)])
                let opsToken = try XCTUnwrap(csrf(in: opsPage.body))
                let opsCancel = try await send(
                    .POST, base + "/dead-letters/jobs/cancel", form: [("id", id), ("csrf", opsToken)], headers: [("Cookie", ops.cookie)]
                )
                XCTAssertEqual(opsCancel.status, 403)
                let cancel = try await send(.POST, base + "/dead-letters/jobs/cancel", form: [("id", id), ("csrf", token)], headers: cookie)
                XCTAssertEqual(cancel.status, 303)
                let stopped = try await eventually("the job stopped") { () -> [String: String]? in
                    let record = try await job(id, env)
                    return record["state"] == "cancelled" ? record : nil
                }
                let moved = Int(stopped["done"] ?? "") ?? -1
                XCTAssertGreaterThanOrEqual(moved, 2)
                XCTAssertLessThan(moved, 20, "cancelled before the end")
                let afterCancel = (
                    Int(try await env.redis.send(["XLEN", deadLetterStream]).get().int ?? -1),
                    Int(try await env.redis.send(["XLEN", retryStream]).get().int ?? -1)
                )
                XCTAssertEqual(afterCancel.0, 30 - moved)
                XCTAssertEqual(afterCancel.1, moved, "what it moved went back to the warehouse group")
                let again = try await send(.POST, base + "/dead-letters/jobs/cancel", form: [("id", id), ("csrf", token)], headers: cookie)
                XCTAssertEqual(again.status, 409, "a job that ended cannot be cancelled")

                // The rest, on a console with a higher rate: the same filter takes what is left.
                let otherPage = try await send(.GET, otherBase + "/dead-letters", headers: [("Cookie", otherAdmin.cookie)])
                let otherToken = try XCTUnwrap(csrf(in: otherPage.body))
                let rest = act.filter { $0.0 != "csrf" } + [("csrf", otherToken), ("confirm", "1")]
                let second = try await send(.POST, otherBase + "/dead-letters/act", form: rest, headers: [("Cookie", otherAdmin.cookie)])
                let secondID = String((second.headers["Location"].first ?? "").dropFirst("/console/dead-letters/jobs/show?id=".count))
                let finished = try await eventually("the second job finished") { () -> [String: String]? in
                    let record = try await job(secondID, env)
                    return record["state"] == "finished" ? record : nil
                }
                XCTAssertEqual(finished["total"], String(20 - moved))
                XCTAssertEqual(finished["done"], String(20 - moved))
                let remaining = try await env.redis.send(["XRANGE", deadLetterStream, "-", "+"]).get()
                XCTAssertEqual(remaining.array?.count, 10)
                XCTAssertFalse("\(remaining)".contains("bad arrival"), "only what the filter did not match is left")
                let list = try await send(.GET, base + "/dead-letters/jobs", headers: cookie)
                XCTAssertTrue(list.body.contains("<td>cancelled</td>") && list.body.contains("<td>finished</td>"), list.body)
                let audit = try await send(.GET, base + "/audit", headers: cookie)
                XCTAssertTrue(audit.body.contains("<td>redrive</td><td>console:admin1</td>"), audit.body)
            }
        }
    }

    func testWithoutCredentialsABulkActionIsRefusedAs405() async throws {
        try await withFactoryEnvironment { env in
            try await deadLetters(env, count: 3, error: "x")
            let service = sidePort(env, access: .loopbackOnly)
            try await withServices([service]) {
                let base = "http://127.0.0.1:\(try await service.listening.port())/console"
                let refused = try await send(.POST, base + "/dead-letters/act", form: [("action", "purge"), ("scope", "filter"), ("confirm", "1")])
                XCTAssertEqual(refused.status, 405)
                let cancel = try await send(.POST, base + "/dead-letters/jobs/cancel", form: [("id", "x")])
                XCTAssertEqual(cancel.status, 405)
                let left = Int(try await env.redis.send(["XLEN", env.keys.deadLetterStream(.stockArrival, group: "warehouse", partition: 0)]).get().int ?? -1)
                XCTAssertEqual(left, 3)
                let jobs = try await send(.GET, base + "/dead-letters/jobs")
                XCTAssertEqual(jobs.status, 200)
                XCTAssertTrue(jobs.body.contains("No bulk redrive or purge yet."))
            }
        }
    }
}
