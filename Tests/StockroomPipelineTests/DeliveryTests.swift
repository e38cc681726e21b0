import StockroomCore
import StockroomPipeline
import StockroomRedis
import TestSupport
import XCTest

final class DeliveryTests: XCTestCase {
    func testFanOutReachesEveryGroupOnceAndAcksOnlyAfterHandle() async throws {
        try await Pipeline.with { pipeline in
            let journal = Journal()
            let gate = Gate()
            let factory = try pipeline.start(
                pipeline.configuration(.factory),
                TestHandler("factory", journal) { entry, _ in
                    if entry.fields["sku"] == "SLOW-1" { await gate.wait() }
                }
            )
            let ops = try pipeline.start(pipeline.configuration(.opsStockEmpty), TestHandler("ops", journal))
            let slow = try await pipeline.append(.stockEmpty, sku: "SLOW-1", ["order": "SLOW-1@1"])
            var appended = [slow]
            for n in 0..<10 {
                appended.append(try await pipeline.append(.stockEmpty, sku: "SKU-\(n)", ["order": "SKU-\(n)@1"]))
            }

            // While the factory handler is blocked, its entry is delivered but not acknowledged.
            try await eventually("the slow handler started") { await gate.arrivals > 0 ? true : nil }
            let pendingWhileBlocked = try await pipeline.pending(slow.stream, "factory")
            // (Entries read in the same batch and not yet handled are pending too.)
            XCTAssertTrue(pendingWhileBlocked.map(\.id).contains(slow.id), "\(pendingWhileBlocked)")
            try await Task.sleep(for: .milliseconds(300))
            let stillPending = try await pipeline.pending(slow.stream, "factory")
            XCTAssertTrue(stillPending.map(\.id).contains(slow.id), "acknowledged before the handler returned")
            await gate.release()

            for group in ["factory", "ops"] {
                try await eventually("\(group) handled every entry") {
                    await journal.counts(of: group).count == appended.count ? true : nil
                }
            }
            try await eventually("nothing pending") {
                let factoryPending = try await pipeline.pendingCount(.factory)
                let opsPending = try await pipeline.pendingCount(.opsStockEmpty)
                return factoryPending + opsPending == 0 ? true : nil
            }
            try await factory.shutdown()
            try await ops.shutdown()

            for group in ["factory", "ops"] {
                let counts = await journal.counts(of: group)
                XCTAssertEqual(Set(counts.keys), Set(appended.map { "\($0.stream)/\($0.id)" }), group)
                XCTAssertTrue(counts.values.allSatisfy { $0 == 1 }, "\(group) got an entry twice: \(counts)")
            }
            // The other topic's group saw nothing.
            let salesStreams = pipeline.keys.streams(.sales)
            for stream in salesStreams { expectEqual(try await pipeline.length(stream), 0) }
        }
    }

    func testFailureIsRecordedAndRetriedAfterTheVisibilityTimeout() async throws {
        try await Pipeline.with { pipeline in
            let journal = Journal()
            let worker = try pipeline.start(
                pipeline.configuration(.factory, consumers: 1),
                TestHandler("factory", journal) { entry, _ in
                    if entry.deliveries < 3 { throw TestFailure("factory unreachable (delivery \(entry.deliveries))") }
                }
            )
            let (stream, id) = try await pipeline.append(.stockEmpty, sku: "FAIL-1")
            let errorKey = pipeline.keys.lastErrorKey(.stockEmpty, group: "factory", partition: pipeline.keys.partition(of: "FAIL-1"))

            let record = try await eventually("the failure is recorded") {
                try await pipeline.redis.send(["HGET", errorKey, "stream:\(id)"]).get().string
            }
            XCTAssertTrue(record.contains("factory unreachable"), record)
            let pendingAfterFailure = try await pipeline.pending(stream, "factory")
            XCTAssertEqual(pendingAfterFailure.first?.id, id, "a failed entry stays pending")

            try await eventually("handled on the third delivery and acknowledged") {
                let deliveries = await journal.entries(of: "factory").map(\.deliveries)
                let pending = try await pipeline.pendingCount(.factory)
                return deliveries == [1, 2, 3] && pending == 0 ? true : nil
            }
            try await worker.shutdown()
            let left = try await pipeline.redis.send(["HEXISTS", errorKey, "stream:\(id)"]).get().int
            XCTAssertEqual(left, 0, "the failure record is removed with the ack")
            expectEqual(try await pipeline.deadLetterCount(.factory), 0)
        }
    }

    func testEntryOfACrashedConsumerIsReclaimed() async throws {
        try await Pipeline.with { pipeline in
            try await pipeline.createGroup(.factory)
            let (stream, id) = try await pipeline.append(.stockEmpty, sku: "CRASH-1")
            // "dead-1" reads the entry and dies without acknowledging it.
            try await withRedisConnection(url: pipeline.url) { dead in
                let reply = try await dead.send(["XREADGROUP", "GROUP", "factory", "dead-1", "COUNT", "10", "STREAMS", stream, ">"]).get()
                XCTAssertFalse(reply.isNull)
            }
            expectEqual(try await pipeline.pending(stream, "factory").first?.consumer, "dead-1")

            let journal = Journal()
            let worker = try pipeline.start(pipeline.configuration(.factory), TestHandler("factory", journal))
            try await eventually("reclaimed, handled and acknowledged") {
                let handled = await journal.entries(of: "factory")
                let pending = try await pipeline.pendingCount(.factory)
                return handled.count == 1 && pending == 0 ? true : nil
            }
            try await worker.shutdown()
            let handled = await journal.entries(of: "factory")
            XCTAssertEqual(handled.map { [$0.stream, $0.id] }, [[stream, id]])
            XCTAssertEqual(handled.first?.deliveries, 2, "Redis counted the crashed delivery")
        }
    }

    func testSlowHandlerIsNotStolenThanksToTheHeartbeat() async throws {
        try await Pipeline.with { pipeline in
            let journal = Journal()
            let worker = try pipeline.start(
                pipeline.configuration(.factory, consumers: 2, visibility: .milliseconds(300), maxBackoff: .milliseconds(300)),
                TestHandler("factory", journal) { _, heartbeat in
                    try await Task.sleep(for: .milliseconds(750))
                    try await heartbeat.refresh()  // still ours
                    try await Task.sleep(for: .milliseconds(750))
                }
            )
            let (stream, id) = try await pipeline.append(.stockEmpty, sku: "SLOW-2")
            try await eventually("handled and acknowledged") {
                let handled = await journal.entries(of: "factory").count
                let pending = try await pipeline.pending(stream, "factory")
                return handled >= 1 && pending.isEmpty ? true : nil
            }
            try await worker.shutdown()
            let handled = await journal.entries(of: "factory")
            XCTAssertEqual(handled.map { [$0.stream, $0.id] }, [[stream, id]], "handled exactly once")
            XCTAssertEqual(handled.map(\.deliveries), [1], "never redelivered")
        }
    }

    func testGracefulShutdownFinishesAndAcknowledgesTheHandlerInFlight() async throws {
        try await Pipeline.with { pipeline in
            let journal = Journal()
            let gate = Gate()
            let finished = Flag()
            let worker = try pipeline.start(
                pipeline.configuration(.factory, consumers: 1, visibility: .seconds(30)),
                TestHandler("factory", journal) { _, _ in
                    await gate.wait()
                    finished.set(true)
                }
            )
            let (stream, id) = try await pipeline.append(.stockEmpty, sku: "STOP-1")
            try await eventually("the handler started") { await gate.arrivals > 0 ? true : nil }

            await worker.triggerGracefulShutdown()
            await gate.release()
            try await withTimeout(.seconds(30)) { try await worker.task.value }

            XCTAssertTrue(finished.isOn)
            let pending = try await pipeline.pending(stream, "factory")
            XCTAssertTrue(pending.isEmpty, "the finished entry was acknowledged: \(pending)")
            expectEqual(await journal.entries(of: "factory").map { [$0.stream, $0.id] }, [[stream, id]])
        }
    }

    /// Entries read in the batch but not started when the shutdown came are handed back with the
    /// delivery their read counted taken back: a clean hand-back never costs an entry a delivery.
    func testAHandBackAtShutdownCostsNoDelivery() async throws {
        try await Pipeline.with(partitions: 1) { pipeline in
            let journal = Journal()
            let gate = Gate()
            let stream = pipeline.keys.stream(.stockEmpty, partition: 0)
            var ids: [String] = []
            for n in 0..<3 { ids.append(try await pipeline.append(.stockEmpty, sku: "BACK-\(n)").id) }
            let worker = try pipeline.start(
                pipeline.configuration(.factory, consumers: 1, batchSize: 8, visibility: .seconds(30)),
                TestHandler("factory", journal) { _, _ in await gate.wait() }
            )
            try await eventually("the first handler started") { await gate.arrivals > 0 ? true : nil }
            let read = try await pipeline.pending(stream, "factory")
            XCTAssertEqual(read.map(\.id), ids, "the batch read all three")
            XCTAssertEqual(read.map(\.deliveries), [1, 1, 1])

            await worker.triggerGracefulShutdown()
            await gate.release()
            try await withTimeout(.seconds(30)) { try await worker.task.value }

            let handled = await journal.entries(of: "factory").map(\.id)
            XCTAssertEqual(handled, [ids[0]], "only the first had started")
            let handedBack = try await pipeline.pending(stream, "factory")
            XCTAssertEqual(handedBack.map(\.id), Array(ids[1...]))
            XCTAssertEqual(handedBack.map(\.deliveries), [0, 0], "their read is not counted as a delivery")
        }
    }

    func testWorkersRecoverFromARedisRestartWithoutLosingEntries() async throws {
        try await withRedisServer(extraArguments: ["--appendonly", "yes", "--appendfsync", "always"]) { server in
            try await Pipeline.with(url: server.url) { pipeline in
                let journal = Journal()
                let worker = try pipeline.start(
                    pipeline.configuration(.factory, visibility: .milliseconds(300)),
                    TestHandler("factory", journal) { _, _ in try await Task.sleep(for: .milliseconds(5)) }
                )
                var expected: Set<String> = []
                for n in 0..<30 {
                    let (stream, id) = try await pipeline.append(.stockEmpty, sku: "RESTART-\(n)")
                    expected.insert("\(stream)/\(id)")
                }
                // Kill it mid-stream: some handled, others pending or not yet delivered.
                try await eventually("consumption started") { await journal.entries(of: "factory").isEmpty ? nil : true }
                await server.kill()
                try await server.restart()
                // The test's own connection reconnects too.
                try await eventually("Redis is back") { try await pipeline.redis.send(["PING"]).get().string }
                for n in 30..<40 {
                    let (stream, id) = try await pipeline.append(.stockEmpty, sku: "RESTART-\(n)")
                    expected.insert("\(stream)/\(id)")
                }
                try await eventually(timeout: .seconds(30), "every entry handled and acknowledged") {
                    let handled = Set(await journal.counts(of: "factory").keys)
                    let pending = try await pipeline.pendingCount(.factory)
                    return handled == expected && pending == 0 ? true : nil
                }
                try await worker.shutdown()
            }
        }
    }
}

struct TestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
