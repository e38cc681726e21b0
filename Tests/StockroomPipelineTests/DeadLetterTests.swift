import StockroomCore
@testable import StockroomPipeline
import StockroomRedis
import TestSupport
import XCTest

final class DeadLetterTests: XCTestCase {
    func testAlwaysFailingEntryIsDeadLetteredWithContextAfterMaxDeliveries() async throws {
        try await Pipeline.with { pipeline in
            let journal = Journal()
            let factory = try pipeline.start(
                pipeline.configuration(.factory, visibility: .milliseconds(100), maxDeliveries: 3, maxBackoff: .milliseconds(200)),
                TestHandler("factory", journal) { entry, _ in throw TestFailure("factory says no (\(entry.deliveries))") }
            )
            let ops = try pipeline.start(pipeline.configuration(.opsStockEmpty), TestHandler("ops", journal))
            let (stream, id) = try await pipeline.append(.stockEmpty, sku: "DEAD-1", ["order": "DEAD-1@1"])

            let letters = try await eventually("dead-lettered") {
                let letters = try await pipeline.deadLetters.list(subscription: .factory)
                return letters.isEmpty ? nil : letters
            }
            try await eventually("ops handled it") { await journal.entries(of: "ops").count == 1 ? true : nil }
            try await factory.shutdown()
            try await ops.shutdown()

            XCTAssertEqual(letters.count, 1)
            let letter = try XCTUnwrap(letters.first)
            XCTAssertEqual(letter.subscription, .factory)
            XCTAssertEqual(letter.partition, pipeline.keys.partition(of: "DEAD-1"))
            XCTAssertEqual(letter.originalID, id)
            XCTAssertEqual(letter.originalStream, stream)
            XCTAssertEqual(letter.sourceStream, stream)
            XCTAssertEqual(letter.deliveries, 3)
            XCTAssertEqual(letter.failures, 3)
            XCTAssertEqual(letter.reason, "max-deliveries")
            XCTAssertTrue(letter.lastError.contains("factory says no (3)"), letter.lastError)
            XCTAssertTrue(letter.lastConsumer.contains("-"), letter.lastConsumer)
            XCTAssertEqual(letter.fields, ["sku": "DEAD-1", "order": "DEAD-1@1"])
            let enqueuedAt = try XCTUnwrap(letter.enqueuedAt)
            XCTAssertEqual(String(enqueuedAt), String(id.prefix(while: { $0 != "-" })))
            XCTAssertNotNil(letter.firstFailedAt)
            XCTAssertGreaterThanOrEqual(try XCTUnwrap(letter.lastDeliveredAt), enqueuedAt)
            XCTAssertGreaterThanOrEqual(try XCTUnwrap(letter.deadAt), try XCTUnwrap(letter.lastDeliveredAt))

            let deliveries = await journal.entries(of: "factory").map(\.deliveries)
            XCTAssertEqual(deliveries, [1, 2, 3])
            expectEqual(try await pipeline.pendingCount(.factory), 0, "a dead letter is no longer pending")
            let errorKey = pipeline.keys.lastErrorKey(.stockEmpty, group: "factory", partition: letter.partition)
            expectEqual(try await pipeline.redis.send(["EXISTS", errorKey]).get().int, 0, "failure record cleaned")
            // The topic entry stays for the other groups; ops is unaffected.
            expectEqual(try await pipeline.redis.send(["XRANGE", stream, id, id]).get().array?.count, 1)
            expectEqual(await journal.entries(of: "ops").map { [$0.stream, $0.id] }, [[stream, id]])
            expectEqual(try await pipeline.deadLetterCount(.opsStockEmpty), 0)
            let shown = try await pipeline.deadLetters.show(id: letter.reference)
            XCTAssertEqual(shown, [letter])
        }
    }

    func testPoisonEntryIsDeadLetteredAtOnce() async throws {
        try await Pipeline.with { pipeline in
            let journal = Journal()
            let worker = try pipeline.start(
                pipeline.configuration(.factory),
                TestHandler("factory", journal) { entry, _ in
                    guard entry.fields["order"] != nil else { throw PoisonEntry("no order field") }
                }
            )
            let (stream, id) = try await pipeline.append(.stockEmpty, sku: "POISON-1")
            let letter = try await eventually("dead-lettered") {
                try await pipeline.deadLetters.list(subscription: .factory).first
            }
            try await eventually("no longer pending") { try await pipeline.pendingCount(.factory) == 0 ? true : nil }
            try await worker.shutdown()
            XCTAssertEqual(letter.originalStream, stream)
            XCTAssertEqual(letter.originalID, id)
            XCTAssertEqual(letter.reason, "poison")
            XCTAssertEqual(letter.deliveries, 1)
            XCTAssertEqual(letter.failures, 1)
            XCTAssertNotNil(letter.firstFailedAt)
            XCTAssertTrue(letter.lastError.contains("no order field"), letter.lastError)
            expectEqual(await journal.entries(of: "factory").count, 1, "never retried")
        }
    }

    func testCrashedLastDeliveryIsDeadLetteredByTheSweeperWhenNoWorkerRuns() async throws {
        try await Pipeline.with { pipeline in
            try await pipeline.createGroup(.factory)
            let (stream, id) = try await pipeline.append(.stockEmpty, sku: "SWEEP-1")
            // Three consumers crash one after the other on the same entry.
            _ = try await pipeline.redis.send(["XREADGROUP", "GROUP", "factory", "dead-1", "STREAMS", stream, ">"]).get()
            _ = try await pipeline.redis.send(["XCLAIM", stream, "factory", "dead-2", "0", id]).get()
            _ = try await pipeline.redis.send(["XCLAIM", stream, "factory", "dead-3", "0", id]).get()
            expectEqual(try await pipeline.pending(stream, "factory").first?.deliveries, 3)

            let sweeper = Sweeper(
                groups: [pipeline.configuration(.factory, visibility: .milliseconds(100), maxDeliveries: 3)],
                keys: pipeline.keys,
                redis: try RedisConfiguration(url: pipeline.url),
                eventLoopGroup: testEventLoop(),
                logger: pipeline.logger
            )
            let report = try await eventually("the sweeper dead-letters it once idle") {
                let report = try await sweeper.sweep(on: pipeline.redis)
                return report.deadLettered == 1 ? report : nil
            }
            XCTAssertEqual(report.statuses.first?.deadLetters, 1)
            let listed = try await pipeline.deadLetters.list(subscription: .factory)
            let letter = try XCTUnwrap(listed.first)
            XCTAssertEqual(letter.originalStream, stream)
            XCTAssertEqual(letter.originalID, id)
            XCTAssertEqual(letter.lastConsumer, "dead-3")
            XCTAssertEqual(letter.deliveries, 3)
            XCTAssertTrue(letter.lastError.contains("no error recorded"), letter.lastError)
            expectTrue(try await pipeline.pending(stream, "factory").isEmpty)
        }
    }

    /// A sweeper started with other flags than the group's workers applies the group's own settings,
    /// as the workers recorded them: it does not dead-letter early.
    func testTheSweeperAppliesEachGroupsRecordedSettings() async throws {
        try await Pipeline.with { pipeline in
            let journal = Journal()
            // The group's workers run with a delivery limit of 10, and record it when they start.
            let worker = try pipeline.start(pipeline.configuration(.factory, maxDeliveries: 10), TestHandler("factory", journal))
            try await eventually("the workers recorded their settings") {
                let fields = try await hashFields(pipeline.keys.groupSettingsKey(.factory), on: pipeline.redis)
                return fields["max_deliveries"] == "10" ? fields : nil
            }
            try await worker.shutdown()

            try await pipeline.createGroup(.factory)
            let (stream, id) = try await pipeline.append(.stockEmpty, sku: "SWEEP-2")
            _ = try await pipeline.redis.send(["XREADGROUP", "GROUP", "factory", "dead-1", "STREAMS", stream, ">"]).get()
            _ = try await pipeline.redis.send(["XCLAIM", stream, "factory", "dead-2", "0", id]).get()
            _ = try await pipeline.redis.send(["XCLAIM", stream, "factory", "dead-3", "0", id, "IDLE", "60000"]).get()

            let sweeper = Sweeper(
                groups: [pipeline.configuration(.factory, visibility: .milliseconds(100), maxDeliveries: 3)],
                keys: pipeline.keys,
                redis: try RedisConfiguration(url: pipeline.url),
                eventLoopGroup: testEventLoop(),
                logger: pipeline.logger
            )
            let report = try await sweeper.sweep(on: pipeline.redis)
            XCTAssertEqual(report.deadLettered, 0, "3 deliveries is below the group's own limit of 10")
            expectEqual(try await pipeline.pending(stream, "factory").map(\.id), [id])

            // Without a record, the sweeper falls back to its own settings.
            _ = try await pipeline.redis.send(["DEL", pipeline.keys.groupSettingsKey(.factory)]).get()
            let fallback = try await sweeper.sweep(on: pipeline.redis)
            XCTAssertEqual(fallback.deadLettered, 1)
        }
    }

    func testDeadLetterMoveIsAtomicUnderConcurrentAttempts() async throws {
        try await Pipeline.with { pipeline in
            try await pipeline.createGroup(.factory)
            let (stream, id) = try await pipeline.append(.stockEmpty, sku: "TWICE-1")
            _ = try await pipeline.redis.send(["XREADGROUP", "GROUP", "factory", "c1", "STREAMS", stream, ">"]).get()
            let partition = pipeline.keys.partition(of: "TWICE-1")
            let dlq = pipeline.keys.deadLetterStream(.stockEmpty, group: "factory", partition: partition)
            let errors = pipeline.keys.lastErrorKey(.stockEmpty, group: "factory", partition: partition)
            // Two sweepers on two connections race for the same entry, many times over.
            let statuses = try await withRedisConnection(url: pipeline.url) { other in
                try await withThrowingTaskGroup(of: String.self) { group in
                    for connection in [pipeline.redis, other, pipeline.redis, other] {
                        group.addTask {
                            let reply = try await connection.evalScript(
                                PipelineScripts.deadLetter(with: Subscription.factory.deadLetterEffects),
                                keys: [stream, dlq, errors],
                                arguments: [
                                    "factory", id, "stream:\(id)", "stock-empty", "max-deliveries", "test", "0", "0",
                                    pipeline.keys.tag(partition),
                                ]
                            ).get()
                            return reply.array?.first?.string ?? "\(reply)"
                        }
                    }
                    return try await group.reduce(into: []) { $0.append($1) }
                }
            }
            XCTAssertEqual(statuses.filter { $0 == "DEAD" }.count, 1, "\(statuses)")
            XCTAssertEqual(statuses.filter { $0 == "NOT_PENDING" }.count, 3, "\(statuses)")
            expectEqual(try await pipeline.length(dlq), 1)
            expectTrue(try await pipeline.pending(stream, "factory").isEmpty)
            expectEqual(try await pipeline.length(stream), 1, "the topic entry is never deleted")
        }
    }

    func testRedriveReachesOnlyTheFailedGroupWithFiltersDryRunAndAudit() async throws {
        try await Pipeline.with { pipeline in
            let journal = Journal()
            let healthy = Flag(false)
            let factory = try pipeline.start(
                pipeline.configuration(.factory, visibility: .milliseconds(100), maxDeliveries: 2, maxBackoff: .milliseconds(100)),
                TestHandler("factory", journal) { _, _ in
                    if !healthy.isOn { throw TestFailure("factory down") }
                }
            )
            let ops = try pipeline.start(pipeline.configuration(.opsStockEmpty), TestHandler("ops", journal))
            let a = try await pipeline.append(.stockEmpty, sku: "RD-A", ["order": "RD-A@1"])
            let b = try await pipeline.append(.stockEmpty, sku: "RD-B", ["order": "RD-B@1"])
            let c = try await pipeline.append(.stockEmpty, sku: "RD-C", ["order": "RD-C@1"])
            try await eventually("three dead letters") { try await pipeline.deadLetterCount(.factory) == 3 ? true : nil }
            try await eventually("ops handled all") { await journal.entries(of: "ops").count == 3 ? true : nil }
            let letters = try await pipeline.deadLetters.list(subscription: .factory)
            // Stream ids are unique per stream only: two partitions can both hold `<ms>-0`.
            let letterB = try XCTUnwrap(letters.first { $0.originalStream == b.stream && $0.originalID == b.id })

            // A dry run reports and changes nothing.
            let dry = try await pipeline.deadLetters.redrive(subscription: .factory, filter: .sku("RD-A"), dryRun: true, actor: "tester")
            XCTAssertEqual(dry.count, 1)
            XCTAssertTrue(dry.auditIDs.isEmpty)
            expectEqual(try await pipeline.deadLetterCount(.factory), 3)
            expectEqual(try await auditRecords(pipeline).count, 0)
            let purgeDry = try await pipeline.deadLetters.purge(subscription: .factory, filter: .all, dryRun: true, actor: "tester")
            XCTAssertEqual(purgeDry.count, 3)
            expectEqual(try await pipeline.deadLetterCount(.factory), 3)

            healthy.set(true)
            let bySKU = try await pipeline.deadLetters.redrive(subscription: .factory, filter: .sku("RD-A"), dryRun: false, actor: "tester")
            XCTAssertEqual(bySKU.count, 1)
            XCTAssertEqual(bySKU.auditIDs.count, 1)
            let byID = try await pipeline.deadLetters.redrive(
                subscription: .factory, filter: .ids([letterB.reference]), dryRun: false, actor: "tester"
            )
            XCTAssertEqual(byID.references, [letterB.reference])

            try await eventually("factory handled the redriven entries") {
                let redriven = await journal.entries(of: "factory").filter(\.isRedriven)
                let pending = try await pipeline.pendingCount(.factory)
                return redriven.count == 2 && pending == 0 ? redriven : nil
            }
            // Purge the last one, with audit.
            let purged = try await pipeline.deadLetters.purge(subscription: .factory, filter: .sku("RD-C"), dryRun: false, actor: "tester")
            XCTAssertEqual(purged.count, 1)
            try await factory.shutdown()
            try await ops.shutdown()

            let redriven = await journal.entries(of: "factory").filter(\.isRedriven)
            XCTAssertEqual(redriven.count, 2)
            XCTAssertEqual(
                Set(redriven.map { "\($0.originalStream)/\($0.originalID)" }), ["\(a.stream)/\(a.id)", "\(b.stream)/\(b.id)"]
            )
            XCTAssertTrue(redriven.allSatisfy { $0.stream.contains(":retry:stock-empty:factory") })
            XCTAssertEqual(
                redriven.first { $0.originalStream == a.stream && $0.originalID == a.id }?.fields, ["sku": "RD-A", "order": "RD-A@1"]
            )
            // The other group of the topic got each entry once, never again.
            let opsCounts = await journal.counts(of: "ops")
            XCTAssertEqual(opsCounts.count, 3)
            XCTAssertTrue(opsCounts.values.allSatisfy { $0 == 1 }, "\(opsCounts)")
            _ = c
            expectEqual(try await pipeline.deadLetterCount(.factory), 0)

            let audit = try await auditRecords(pipeline)
            XCTAssertEqual(audit.compactMap { $0["action"] }.sorted(), ["purge", "redrive", "redrive"])
            XCTAssertTrue(audit.allSatisfy { $0["actor"] == "tester" && $0["count"] == "1" && $0["group"] == "factory" })
            XCTAssertTrue(audit.contains { $0["filter"] == "sku=RD-A" })
        }
    }

    /// Stream ids are unique per stream only: a bare id two partitions hold names two dead letters.
    func testABareIDThatTwoPartitionsHoldIsRefusedAsAmbiguous() async throws {
        try await Pipeline.with(partitions: 2) { pipeline in
            let id = "1700000000000-0"
            for partition in 0..<2 {
                let stream = pipeline.keys.deadLetterStream(.stockEmpty, group: "factory", partition: partition)
                _ = try await pipeline.redis.send([
                    "XADD", stream, id, "sku", "AMB-\(partition)", "order", "AMB-\(partition)@1", "dlq.reason", "poison",
                ]).get()
            }
            do {
                _ = try await pipeline.deadLetters.purge(subscription: .factory, filter: .ids([id]), dryRun: false, actor: "tester")
                XCTFail("a bare id held by two partitions must not purge both")
            } catch let error as DeadLetterError {
                XCTAssertEqual(error.code, .ambiguousID)
                XCTAssertTrue(error.message.contains("p0:\(id)") && error.message.contains("p1:\(id)"), error.message)
            }
            expectEqual(try await pipeline.deadLetterCount(.factory), 2, "an ambiguous purge changes nothing")

            let one = try await pipeline.deadLetters.purge(
                subscription: .factory, filter: .ids(["p1:\(id)"]), dryRun: false, actor: "tester"
            )
            XCTAssertEqual(one.references, ["p1:\(id)"])
            let other = try await pipeline.deadLetters.purge(subscription: .factory, filter: .ids([id]), dryRun: false, actor: "tester")
            XCTAssertEqual(other.references, ["p0:\(id)"], "once only one partition holds it, the bare id is enough")
            expectEqual(try await pipeline.deadLetterCount(.factory), 0)
        }
    }

    private func auditRecords(_ pipeline: Pipeline) async throws -> [[String: String]] {
        var records: [[String: String]] = []
        for partition in 0..<pipeline.keys.partitions {
            let reply = try await pipeline.redis.send(["XRANGE", pipeline.keys.auditStream(partition: partition), "-", "+"]).get()
            for row in reply.array ?? [] {
                var fields: [String: String] = [:]
                let flat = row.array?[1].array ?? []
                for index in stride(from: 0, to: flat.count, by: 2) {
                    fields[flat[index].string ?? ""] = flat[index + 1].string
                }
                records.append(fields)
            }
        }
        return records
    }
}
