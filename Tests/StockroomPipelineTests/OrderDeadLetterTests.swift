import StockroomCore
@testable import StockroomPipeline
import StockroomRedis
import TestSupport
import XCTest

/// A factory order follows its stock-empty entry into and out of the dead letters, in the same
/// script: dead-lettered it is `failed`, purged it is `cancelled` (the SKU orders again), redriven it
/// is `open`. Before, a purged dead letter left the SKU's open order set for good, and no stock-out
/// ever ordered again.
final class OrderDeadLetterTests: XCTestCase {
    /// Sells `sku` out for real (the purchase script opens `<sku>@1` and appends its stock-empty entry),
    /// prepares the order as the factory handler does, and has an always-failing factory group
    /// dead-letter the entry. Returns the dead letter.
    private func strandedOrder(_ sku: String, in pipeline: Pipeline) async throws -> DeadLetter {
        let store = SalesStore(keys: pipeline.keys, configuration: SalesConfiguration())
        _ = try await store.setStock(StockUpdate(sku: sku, stock: 1, reorderPoint: 0, reorderQuantity: 5), actor: "test", on: pipeline.redis).get()
        _ = try await store.purchase(PurchaseOrder(sku: sku, quantity: 1, purchaseID: "\(sku)-p1", customer: "c"), on: pipeline.redis).get()
        let order = OrderReference(sku: sku, number: 1)
        let orders = FactoryOrders(keys: pipeline.keys, redis: pipeline.redis)
        _ = try await orders.prepare(order, quantity: 5, partition: pipeline.keys.partition(of: sku))

        let factory = try pipeline.start(
            pipeline.configuration(.factory, visibility: .milliseconds(100), maxDeliveries: 2, maxBackoff: .milliseconds(100)),
            TestHandler("factory", Journal()) { _, _ in throw TestFailure("the factory is down") }
        )
        let letter = try await eventually("dead-lettered") {
            try await pipeline.deadLetters.list(subscription: .factory).first { $0.fields["sku"] == sku }
        }
        try await factory.shutdown()
        return letter
    }

    private func transitions(_ pipeline: Pipeline, _ sku: String) async throws -> [String: String] {
        let key = pipeline.keys.orderTransitionsKey(partition: pipeline.keys.partition(of: sku))
        return try await pipeline.redis.send(["HGETALL", key]).get().fieldDictionary()
    }

    func testADeadLetteredOrderFailsAndPurgingItCancelsTheOrderAndFreesTheSKU() async throws {
        try await Pipeline.with { pipeline in
            let letter = try await strandedOrder("STRAND-1", in: pipeline)
            let orders = FactoryOrders(keys: pipeline.keys, redis: pipeline.redis)
            let order = OrderReference(sku: "STRAND-1", number: 1)
            let partition = pipeline.keys.partition(of: "STRAND-1")
            let skuKey = pipeline.keys.skuKey("STRAND-1", partition: partition)
            let dueKey = pipeline.keys.ordersDueKey(partition: partition)

            XCTAssertEqual(letter.effect, "order STRAND-1@1 failed")
            expectEqual(try await orders.record(of: order)?.status, .failed)
            expectEqual(try await pipeline.redis.send(["ZSCORE", dueKey, "STRAND-1@1"]).get().string, nil, "the watchdog leaves it")
            expectEqual(try await pipeline.redis.send(["HGET", skuKey, "open_order"]).get().string, "STRAND-1@1", "no second order yet")
            expectEqual(try await transitions(pipeline, "STRAND-1")["failed"], "1")

            // A dry run says what it would do and changes nothing.
            let preview = try await pipeline.deadLetters.purge(subscription: .factory, filter: .sku("STRAND-1"), dryRun: true, actor: "test")
            XCTAssertEqual(preview.effects, [letter.reference: "would cancel order STRAND-1@1"])
            expectEqual(try await orders.record(of: order)?.status, .failed)

            let report = try await pipeline.deadLetters.purge(subscription: .factory, filter: .sku("STRAND-1"), dryRun: false, actor: "test")
            XCTAssertEqual(report.references, [letter.reference])
            XCTAssertEqual(report.effects, [letter.reference: "cancelled order STRAND-1@1"])
            let stored = try await orders.record(of: order)
            let record = try XCTUnwrap(stored)
            XCTAssertEqual(record.status, .cancelled)
            XCTAssertEqual(record.fields["cancelled_by"], "dlq purge")
            expectEqual(try await pipeline.redis.send(["HGET", skuKey, "open_order"]).get().string, "", "the SKU may order again")
            expectEqual(try await transitions(pipeline, "STRAND-1")["cancelled"], "1")
            let auditID = try XCTUnwrap(report.auditIDs.first)
            let audit = try await pipeline.redis.send(["XRANGE", pipeline.keys.auditStream(partition: partition), auditID, auditID]).get()
            let auditFields = try XCTUnwrap(try StreamReplies.entries(audit).first?.fields)
            XCTAssertEqual(auditFields["effects"], "\(letter.id): cancelled order STRAND-1@1")

            // The next stock-out orders again.
            let store = SalesStore(keys: pipeline.keys, configuration: SalesConfiguration())
            let refused = try await store.purchase(
                PurchaseOrder(sku: "STRAND-1", quantity: 1, purchaseID: "STRAND-1-p2", customer: "c"), on: pipeline.redis
            ).get()
            XCTAssertEqual(refused.outcome, .outOfStock)
            XCTAssertTrue(refused.openedFactoryOrder, "\(refused)")
            expectEqual(try await pipeline.redis.send(["HGET", skuKey, "open_order"]).get().string, "STRAND-1@2")
        }
    }

    func testRedrivingAFailedOrdersDeadLetterOpensTheOrderAgain() async throws {
        try await Pipeline.with { pipeline in
            let letter = try await strandedOrder("STRAND-2", in: pipeline)
            let orders = FactoryOrders(keys: pipeline.keys, redis: pipeline.redis)
            let order = OrderReference(sku: "STRAND-2", number: 1)

            let report = try await pipeline.deadLetters.redrive(subscription: .factory, filter: .sku("STRAND-2"), dryRun: false, actor: "test")
            XCTAssertEqual(report.effects, [letter.reference: "reopened order STRAND-2@1"])
            expectEqual(try await orders.record(of: order)?.status, .open)
            expectEqual(try await transitions(pipeline, "STRAND-2")["reopened"], "1")
            let partition = pipeline.keys.partition(of: "STRAND-2")
            let open = try await pipeline.redis.send(["ZSCORE", pipeline.keys.orderStateKey("open", partition: partition), "STRAND-2@1"]).get()
            let failed = try await pipeline.redis.send(["ZSCORE", pipeline.keys.orderStateKey("failed", partition: partition), "STRAND-2@1"]).get()
            XCTAssertNotNil(open.string, "a reopened order is indexed as open again")
            XCTAssertNil(failed.string, "and no longer as failed")

            // The factory group places it now, from its retry stream.
            let journal = Journal()
            let factory = try pipeline.start(pipeline.configuration(.factory), TestHandler("factory", journal))
            let taken = try await eventually("the factory group took the redriven entry") {
                await journal.entries(of: "factory").first
            }
            try await factory.shutdown()
            XCTAssertEqual(taken.fields["order"], "STRAND-2@1")
            XCTAssertEqual(taken.stream, pipeline.keys.retryStream(.stockEmpty, group: "factory", partition: letter.partition))
        }
    }

    func testAnOperatorCancelsAFailedOrderAndItsDeadLetterNoLongerTouchesIt() async throws {
        try await Pipeline.with { pipeline in
            let letter = try await strandedOrder("STRAND-3", in: pipeline)
            let orders = FactoryOrders(keys: pipeline.keys, redis: pipeline.redis)
            let order = OrderReference(sku: "STRAND-3", number: 1)

            let refusal = try await orders.cancel(order, actor: "test")
            XCTAssertNil(refusal, "a failed order can be cancelled")
            let report = try await pipeline.deadLetters.purge(subscription: .factory, filter: .all, dryRun: false, actor: "test")
            XCTAssertEqual(report.effects[letter.reference], "order STRAND-3@1 stays cancelled")
            expectEqual(try await transitions(pipeline, "STRAND-3")["cancelled"], "1", "cancelled once, not twice")
        }
    }
}
