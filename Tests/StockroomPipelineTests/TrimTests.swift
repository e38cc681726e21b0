import StockroomCore
import StockroomPipeline
import StockroomRedis
import TestSupport
import XCTest

final class TrimTests: XCTestCase {
    func testTrimmingUnderLoadNeverRemovesWhatAGroupStillNeeds() async throws {
        try await Pipeline.with { pipeline in
            let journal = Journal()
            let factory = try pipeline.start(
                pipeline.configuration(.factory, consumers: 1, batchSize: 2, visibility: .seconds(5)),
                TestHandler("factory", journal) { _, _ in try await Task.sleep(for: .milliseconds(3)) }
            )
            let ops = try pipeline.start(pipeline.configuration(.opsStockEmpty, visibility: .seconds(5)), TestHandler("ops", journal))
            let trimmer = StreamTrimmer(keys: pipeline.keys, subscriptions: Subscription.all)

            let total = 300
            let producer = Task {
                var appended: Set<String> = []
                for n in 0..<total {
                    let (stream, id) = try await pipeline.append(.stockEmpty, sku: "LOAD-\(n % 7)", ["n": String(n)])
                    appended.insert("\(stream)/\(id)")
                    if n % 25 == 0 { try await Task.sleep(for: .milliseconds(10)) }
                }
                return appended
            }
            var trimmedDuringLoad = 0
            // Bounded by time, not by what was handled or trimmed: a lost entry must fail the test, not hang it.
            let loadTimeout = Duration.seconds(60)
            let deadline = ContinuousClock.now + loadTimeout
            while await journal.counts(of: "factory").count < total {
                guard ContinuousClock.now < deadline else {
                    let handled = await journal.counts(of: "factory").count
                    XCTFail("the factory group handled \(handled) of \(total) entries within \(loadTimeout)")
                    break
                }
                trimmedDuringLoad += try await trimmer.trim(topic: .stockEmpty, on: pipeline.redis)
                try await Task.sleep(for: .milliseconds(5))
                if trimmedDuringLoad > 10 * total { XCTFail("trimmed more entries than were ever appended"); break }
            }
            let appended = try await producer.value
            try await eventually(timeout: .seconds(60), "every entry handled by both groups") {
                let factoryHandled = Set(await journal.counts(of: "factory").keys)
                let opsHandled = Set(await journal.counts(of: "ops").keys)
                return factoryHandled == appended && opsHandled == appended ? true : nil
            }
            try await eventually("everything acknowledged") {
                let pending = try await pipeline.pendingCount(.factory) + pipeline.pendingCount(.opsStockEmpty)
                return pending == 0 ? true : nil
            }
            try await factory.shutdown()
            try await ops.shutdown()

            // Nothing was lost to a trim: every appended entry reached both groups (checked above).
            // With everything acknowledged, a final trim leaves at most the last delivered entry per stream.
            let finalTrim = try await trimmer.trim(topic: .stockEmpty, on: pipeline.redis)
            var remaining = 0
            for stream in pipeline.keys.streams(.stockEmpty) { remaining += try await pipeline.length(stream) }
            XCTAssertLessThanOrEqual(remaining, pipeline.keys.partitions)
            XCTAssertEqual(trimmedDuringLoad + finalTrim, total - remaining, "acknowledged prefixes are trimmed")
        }
    }

    func testTrimKeepsPendingAndUndeliveredEntriesAndWaitsForMissingGroups() async throws {
        try await Pipeline.with(partitions: 1) { pipeline in
            let stream = pipeline.keys.stream(.stockEmpty, partition: 0)
            var ids: [String] = []
            for n in 0..<10 { ids.append(try await pipeline.append(.stockEmpty, sku: "T-\(n)").id) }
            let trimmer = StreamTrimmer(keys: pipeline.keys, subscriptions: [.factory, .opsStockEmpty])

            // No group yet, then one of the two expected: nothing may go.
            expectEqual(try await trimmer.trim(topic: .stockEmpty, on: pipeline.redis), 0)
            _ = try await pipeline.redis.send(["XGROUP", "CREATE", stream, "factory", "0"]).get()
            _ = try await pipeline.redis.send(["XREADGROUP", "GROUP", "factory", "c", "COUNT", "10", "STREAMS", stream, ">"]).get()
            _ = try await pipeline.redis.send(["XACK", stream, "factory"] + ids).get()
            expectEqual(try await trimmer.trim(topic: .stockEmpty, on: pipeline.redis), 0, "ops' group is missing")

            // ops read 6 entries and acknowledged the first 3 and the 5th: entry 4 (index 3) is pending.
            _ = try await pipeline.redis.send(["XGROUP", "CREATE", stream, "ops", "0"]).get()
            _ = try await pipeline.redis.send(["XREADGROUP", "GROUP", "ops", "c", "COUNT", "6", "STREAMS", stream, ">"]).get()
            _ = try await pipeline.redis.send(["XACK", stream, "ops", ids[0], ids[1], ids[2], ids[4]]).get()
            expectEqual(try await trimmer.trim(topic: .stockEmpty, on: pipeline.redis), 3)
            let first = try await pipeline.redis.send(["XRANGE", stream, "-", "+", "COUNT", "1"]).get()
            XCTAssertEqual(first.array?.first?.array?.first?.string, ids[3], "the oldest pending entry stays")

            // ops acknowledges everything it read: trimming stops at its last delivered entry; 4 undelivered stay.
            _ = try await pipeline.redis.send(["XACK", stream, "ops", ids[3], ids[5]]).get()
            expectEqual(try await trimmer.trim(topic: .stockEmpty, on: pipeline.redis), 2)
            expectEqual(try await pipeline.length(stream), 5)
            let left = try await pipeline.redis.send(["XRANGE", stream, "-", "+"]).get()
            XCTAssertEqual(left.array?.compactMap { $0.array?.first?.string }, Array(ids[5...]))
        }
    }
}

final class TrimBacklogTests: XCTestCase {
    /// A stream 200,000 entries behind is trimmed down to its MINID in one sweep, in bounded steps,
    /// not by at most one step's worth per sweep (which fell behind any busy shop).
    func testABacklogIsTrimmedInBoundedStepsUntilTheMinID() async throws {
        try await Pipeline.with(partitions: 1) { pipeline in
            let stream = pipeline.keys.stream(.stockEmpty, partition: 0)
            let backlog = 200_000
            for _ in 0..<(backlog / 20_000) {
                _ = try await pipeline.redis.send([
                    "EVAL", "for i = 1, tonumber(ARGV[1]) do redis.call('XADD', KEYS[1], '*', 'n', i) end", "1", stream, "20000",
                ]).get()
            }
            expectEqual(try await pipeline.length(stream), backlog)
            // The group has read and acknowledged everything: all of it may go.
            _ = try await pipeline.redis.send(["XGROUP", "CREATE", stream, "factory", "$"]).get()

            var trimmer = StreamTrimmer(keys: pipeline.keys, subscriptions: [.factory], approximate: true)
            trimmer.stepLimit = 10_000
            let trimmed = try await trimmer.trim(topic: .stockEmpty, on: pipeline.redis)
            let remaining = try await pipeline.length(stream)
            XCTAssertEqual(trimmed + remaining, backlog)
            XCTAssertGreaterThan(trimmed, 10 * trimmer.stepLimit, "one sweep went well past one step")
            // Approximate trimming keeps at most the radix-tree node holding the MINID.
            XCTAssertLessThanOrEqual(remaining, 200, "trimmed down to the MINID's node, \(remaining) left")
        }
    }
}
