import StockroomCore
@testable import StockroomPipeline
import StockroomRedis
import TestSupport
import XCTest

/// Pages of dead letters, filtered inside Redis: every match once, newest first, across streams,
/// however far apart the matches lie.
final class DeadLetterPagingTests: XCTestCase {
    /// Appends a dead letter with an explicit id (`ms-0`), so times are the test's to choose.
    private func add(_ pipeline: Pipeline, _ subscription: Subscription, partition: Int, ms: Int, sku: String, error: String) async throws {
        _ = try await pipeline.redis.send([
            "XADD", pipeline.keys.deadLetterStream(subscription.topic, group: subscription.group, partition: partition), "\(ms)-0",
            "sku", sku, "dlq.reason", "max-deliveries", "dlq.deliveries", "3", "dlq.last_error", error,
        ]).get()
    }

    private func all(_ pipeline: Pipeline, _ query: DeadLetterQuery) async throws -> [DeadLetter] {
        var query = query
        var letters: [DeadLetter] = []
        var pages = 0
        repeat {
            let page = try await pipeline.deadLetters.page(query)
            letters += page.letters
            query.after = page.next
            pages += 1
        } while query.after != nil && pages < 500
        return letters
    }

    func testFiltersFindEveryMatchOnceThroughLongRunsOfOthers() async throws {
        try await Pipeline.with { pipeline in
            // Partition 0, factory: 1,500 others between two runs of matches, so one page's search
            // takes more than one call (1,000 entries a call).
            for n in 1...20 { try await add(pipeline, .factory, partition: 0, ms: 1_000 + n, sku: "HIT-1", error: "Factory TIMEOUT after 10 s") }
            for n in 1...1_500 { try await add(pipeline, .factory, partition: 0, ms: 2_000 + n, sku: "MISS-\(n % 7)", error: "HTTP 500") }
            for n in 1...20 { try await add(pipeline, .factory, partition: 0, ms: 4_000 + n, sku: "HIT-1", error: "timeout") }
            // Partition 1, warehouse: the same ids as partition 0's (ids are per stream), some matching.
            for n in 1...30 { try await add(pipeline, .warehouse, partition: 1, ms: 1_000 + n, sku: n % 2 == 0 ? "HIT-1" : "MISS-1", error: "a Timeout") }

            let bySKU = try await all(pipeline, DeadLetterQuery(sku: "HIT-1", pageSize: 7))
            XCTAssertEqual(bySKU.count, 55)
            XCTAssertEqual(Set(bySKU.map { "\($0.subscription.group)|\($0.reference)" }).count, 55, "each once")
            XCTAssertTrue(bySKU.allSatisfy { $0.fields["sku"] == "HIT-1" })
            let times = bySKU.map { StreamID($0.id)?.milliseconds ?? 0 }
            XCTAssertEqual(times, times.sorted(by: >), "newest first")

            let byError = try await all(pipeline, DeadLetterQuery(errorText: "TimeOut", pageSize: 50))
            XCTAssertEqual(byError.count, 70, "ASCII letters compared without case")

            let inRange = try await all(pipeline, DeadLetterQuery(subscription: .factory, since: 1_010, until: 2_005, pageSize: 4))
            XCTAssertEqual(inRange.map(\.id).first, "2005-0")
            XCTAssertEqual(inRange.map(\.id).last, "1010-0")
            XCTAssertEqual(inRange.count, 11 + 5)

            let both = try await all(pipeline, DeadLetterQuery(subscription: .factory, sku: "HIT-1", errorText: "timeout", until: 1_999, pageSize: 3))
            XCTAssertEqual(both.count, 20)
            let nothing = try await pipeline.deadLetters.page(DeadLetterQuery(sku: "NONE", pageSize: 10))
            XCTAssertTrue(nothing.letters.isEmpty)
            XCTAssertNil(nothing.next)
        }
    }
}
