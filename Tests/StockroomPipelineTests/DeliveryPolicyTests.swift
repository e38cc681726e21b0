import StockroomCore
@testable import StockroomPipeline
import XCTest

/// Every delivery decision, with made-up delivery counts and idle times: no Redis, no clock.
final class DeliveryPolicyTests: XCTestCase {
    /// visibility 100 ms, backoff capped at 1 s, 6 deliveries, batches of 4.
    private let policy = DeliveryPolicy(
        ConsumerGroupConfiguration(
            subscription: .factory,
            batchSize: 4,
            visibilityTimeout: .milliseconds(100),
            maxDeliveries: 6,
            maxBackoff: .seconds(1)
        )
    )

    // MARK: Backoff

    func testBackoffDoublesPerDeliveryUpToTheCap() {
        let expected: [Int: Duration] = [
            1: .milliseconds(100), 2: .milliseconds(200), 3: .milliseconds(400), 4: .milliseconds(800),
            5: .seconds(1), 6: .seconds(1),
        ]
        for deliveries in 1...policy.maxDeliveries {
            XCTAssertEqual(policy.backoff(deliveries: deliveries), expected[deliveries], "delivery \(deliveries)")
        }
    }

    func testDefaultScheduleIsTheDocumentedOne() {
        let defaults = DeliveryPolicy(ConsumerGroupConfiguration(subscription: .factory))
        XCTAssertEqual(defaults.maxDeliveries, 5)
        XCTAssertEqual(
            (1...defaults.maxDeliveries).map { defaults.backoff(deliveries: $0) },
            [.seconds(30), .seconds(60), .seconds(120), .seconds(240), .seconds(300)]
        )
    }

    func testBackoffExponentIsClampedInsteadOfOverflowing() {
        // A cap far above 2^30 visibility timeouts shows where the exponent stops.
        let uncapped = DeliveryPolicy(
            ConsumerGroupConfiguration(subscription: .factory, visibilityTimeout: .milliseconds(1), maxBackoff: .seconds(10_000_000))
        )
        XCTAssertEqual(uncapped.backoff(deliveries: 30), .milliseconds(1 << 29))
        for deliveries in [31, 32, 63, 64, 1_000, Int.max] {
            XCTAssertEqual(uncapped.backoff(deliveries: deliveries), .milliseconds(1 << 30), "delivery \(deliveries)")
        }
        for deliveries in [Int.max, 64, 31] {
            XCTAssertEqual(policy.backoff(deliveries: deliveries), .seconds(1), "delivery \(deliveries)")
        }
    }

    func testNonsenseDeliveryCountsGetTheFirstBackoff() {
        for deliveries in [0, -1, Int.min] {
            XCTAssertEqual(policy.backoff(deliveries: deliveries), .milliseconds(100), "delivery \(deliveries)")
        }
    }

    func testConfigurationBackoffIsThePolicys() {
        let configuration = ConsumerGroupConfiguration(subscription: .factory, visibilityTimeout: .milliseconds(70), maxBackoff: .seconds(2))
        let policy = DeliveryPolicy(configuration)
        for deliveries in [Int.min, 0, 1, 2, 3, 4, 5, 6, 7, 31, Int.max] {
            XCTAssertEqual(configuration.backoff(deliveries: deliveries), policy.backoff(deliveries: deliveries), "delivery \(deliveries)")
        }
    }

    func testBackoffNeverWaitsLessThanTheVisibilityTimeout() {
        // The configuration raises a cap below the visibility timeout to it.
        let tight = DeliveryPolicy(
            ConsumerGroupConfiguration(subscription: .factory, visibilityTimeout: .seconds(5), maxBackoff: .seconds(1))
        )
        for deliveries in 1...10 {
            XCTAssertEqual(tight.backoff(deliveries: deliveries), .seconds(5), "delivery \(deliveries)")
        }
    }

    // MARK: Reclaiming

    func testReclaimScanListsOnlyEntriesIdlePastTheVisibilityTimeoutInABoundedPage() {
        XCTAssertEqual(policy.reclaimScan.minIdleMilliseconds, 100)
        XCTAssertEqual(policy.reclaimScan.count, 32, "at least 32")
        XCTAssertEqual(scanCount(batchSize: 16), 64, "four batches")
        XCTAssertEqual(scanCount(batchSize: 100), 200, "at most 200")
    }

    func testPendingEntryIsClaimedOnceIdleForItsBackoff() {
        for deliveries in 1..<policy.maxDeliveries {
            let backoff = policy.backoff(deliveries: deliveries).wholeMilliseconds
            XCTAssertEqual(
                policy.reclaim(deliveries: deliveries, idleMilliseconds: backoff - 1, claimedSoFar: 0), .wait,
                "delivery \(deliveries), 1 ms early"
            )
            XCTAssertEqual(
                policy.reclaim(deliveries: deliveries, idleMilliseconds: backoff, claimedSoFar: 0), .claim(minIdleMilliseconds: backoff),
                "delivery \(deliveries), just due"
            )
            // XCLAIM's min-idle is the backoff, not the idle time seen: a claim that raced ahead resets
            // the idle time, and this one must then find the entry not due.
            XCTAssertEqual(
                policy.reclaim(deliveries: deliveries, idleMilliseconds: backoff * 10, claimedSoFar: 0),
                .claim(minIdleMilliseconds: backoff),
                "delivery \(deliveries), long idle"
            )
        }
    }

    func testDueEntryWaitsWhileTheBatchIsFull() {
        XCTAssertEqual(policy.reclaim(deliveries: 1, idleMilliseconds: 100, claimedSoFar: 3), .claim(minIdleMilliseconds: 100))
        XCTAssertEqual(policy.reclaim(deliveries: 1, idleMilliseconds: 100, claimedSoFar: 4), .batchFull)
        XCTAssertEqual(policy.reclaim(deliveries: 2, idleMilliseconds: 5_000, claimedSoFar: 9), .batchFull)
        XCTAssertEqual(policy.reclaim(deliveries: 2, idleMilliseconds: 199, claimedSoFar: 4), .wait, "not due either")
    }

    func testEntryWhoseLastDeliveryNeverFinishedIsDeadLettered() {
        let letter = DeliveryPolicy.ReclaimAction.deadLetter(minDeliveries: 6, minIdleMilliseconds: 100)
        XCTAssertEqual(policy.reclaim(deliveries: 6, idleMilliseconds: 100, claimedSoFar: 0), letter)
        XCTAssertEqual(policy.reclaim(deliveries: 6, idleMilliseconds: 60_000, claimedSoFar: 0), letter)
        XCTAssertEqual(policy.reclaim(deliveries: 6, idleMilliseconds: 100, claimedSoFar: 4), letter, "a full batch claims nothing more, but still dead-letters")
        XCTAssertEqual(policy.reclaim(deliveries: 9, idleMilliseconds: 100, claimedSoFar: 0), letter, "claimed by hand past the maximum")
        XCTAssertEqual(policy.reclaim(deliveries: 6, idleMilliseconds: 99, claimedSoFar: 0), .wait, "its last delivery may still be running")
    }

    func testIsExhaustedFromTheLastAllowedDeliveryOn() {
        XCTAssertFalse(policy.isExhausted(deliveries: 1))
        XCTAssertFalse(policy.isExhausted(deliveries: 5))
        XCTAssertTrue(policy.isExhausted(deliveries: 6))
        XCTAssertTrue(policy.isExhausted(deliveries: 7))
    }

    // MARK: After the handler

    func testSuccessIsAcknowledgedOnEveryDelivery() {
        for deliveries in 1...policy.maxDeliveries + 1 {
            XCTAssertEqual(policy.decide(after: .succeeded, deliveries: deliveries), .acknowledge, "delivery \(deliveries)")
        }
    }

    func testPoisonIsDeadLetteredAtOnceOnAnyDelivery() {
        for deliveries in 1...policy.maxDeliveries {
            XCTAssertEqual(
                policy.decide(after: .poison(reason: "no order field"), deliveries: deliveries),
                .deadLetterPoison(reason: "no order field", error: "poison entry: no order field"),
                "delivery \(deliveries)"
            )
        }
    }

    func testFailureIsRecordedWithTheBackoffOfItsDelivery() {
        for deliveries in 1..<policy.maxDeliveries {
            XCTAssertEqual(
                policy.decide(after: .failed(error: "E: down"), deliveries: deliveries),
                .recordFailure(error: "E: down", retryAfter: policy.backoff(deliveries: deliveries)),
                "delivery \(deliveries)"
            )
        }
    }

    func testFailureOnTheLastAllowedDeliveryIsDeadLettered() {
        XCTAssertEqual(policy.decide(after: .failed(error: "E: down"), deliveries: 6), .deadLetterLastDelivery(error: "E: down"))
        XCTAssertEqual(policy.decide(after: .failed(error: "E: down"), deliveries: 7), .deadLetterLastDelivery(error: "E: down"))
    }

    func testCancelledHandlerLeavesTheEntryPending() {
        for deliveries in [1, 5, 6] {
            XCTAssertEqual(
                policy.decide(after: .cancelled(error: "CancellationError()"), deliveries: deliveries),
                .leavePending(error: "CancellationError()"),
                "delivery \(deliveries): a cancelled attempt is neither a failure nor a dead letter"
            )
        }
    }

    func testAlwaysFailingEntryFollowsTheScheduleToItsDeadLetter() {
        // Deliver, fail, reclaim once due, again and again: what the runtime does with such an entry.
        var deliveries = 1
        var retries: [Duration] = []
        while true {
            let action = policy.decide(after: .failed(error: "E: down"), deliveries: deliveries)
            guard case .recordFailure(_, let retryAfter) = action else {
                XCTAssertEqual(action, .deadLetterLastDelivery(error: "E: down"))
                break
            }
            retries.append(retryAfter)
            XCTAssertEqual(
                policy.reclaim(deliveries: deliveries, idleMilliseconds: retryAfter.wholeMilliseconds, claimedSoFar: 0),
                .claim(minIdleMilliseconds: retryAfter.wholeMilliseconds)
            )
            deliveries += 1
        }
        XCTAssertEqual(deliveries, policy.maxDeliveries, "dead-lettered on the last allowed delivery")
        XCTAssertEqual(retries, [.milliseconds(100), .milliseconds(200), .milliseconds(400), .milliseconds(800), .seconds(1)])
    }

    // MARK: What the handler threw

    func testPoisonEntryIsPoisonEvenWhenCancelled() {
        for cancelled in [false, true] {
            XCTAssertEqual(
                DeliveryPolicy.HandlerOutcome(thrown: PoisonEntry("unparsable"), whileCancelled: cancelled),
                .poison(reason: "unparsable")
            )
        }
    }

    func testOtherErrorsFailOrCountAsCancelled() {
        let error = Unreachable(message: "factory down")
        XCTAssertEqual(
            DeliveryPolicy.HandlerOutcome(thrown: error, whileCancelled: false),
            .failed(error: "Unreachable: factory down")
        )
        XCTAssertEqual(DeliveryPolicy.HandlerOutcome(thrown: error, whileCancelled: true), .cancelled(error: "factory down"))
        XCTAssertEqual(
            DeliveryPolicy.HandlerOutcome(thrown: CancellationError(), whileCancelled: true),
            .cancelled(error: "\(CancellationError())")
        )
    }

    func testFailureTextIsBounded() {
        let outcome = DeliveryPolicy.HandlerOutcome(thrown: Unreachable(message: String(repeating: "x", count: 5_000)), whileCancelled: false)
        guard case .failed(let text) = outcome else { return XCTFail("\(outcome)") }
        XCTAssertEqual(text.count, 2_001)
        XCTAssertTrue(text.hasPrefix("Unreachable: xxx"))
        XCTAssertTrue(text.hasSuffix("x…"))
    }

    // MARK: Shutdown

    func testBatchIsHandledUntilShutdownOrCancellation() {
        XCTAssertEqual(policy.nextInBatch(isCancelled: false, isShuttingDown: false), .handle)
        XCTAssertEqual(policy.nextInBatch(isCancelled: false, isShuttingDown: true), .handBack(idleMilliseconds: 1_000))
        XCTAssertEqual(policy.nextInBatch(isCancelled: true, isShuttingDown: false), .abandon)
        XCTAssertEqual(policy.nextInBatch(isCancelled: true, isShuttingDown: true), .abandon, "cancellation does not wait to hand back")
    }

    func testHandedBackEntriesAreDueAtTheNextReclaim() {
        guard case .handBack(let idle) = policy.nextInBatch(isCancelled: false, isShuttingDown: true) else {
            return XCTFail("no hand-back at shutdown")
        }
        XCTAssertGreaterThanOrEqual(idle, policy.reclaimScan.minIdleMilliseconds, "listed by the reclaim scan")
        for deliveries in 1..<policy.maxDeliveries {
            XCTAssertEqual(
                policy.reclaim(deliveries: deliveries, idleMilliseconds: idle, claimedSoFar: 0),
                .claim(minIdleMilliseconds: policy.backoff(deliveries: deliveries).wholeMilliseconds),
                "delivery \(deliveries)"
            )
        }
    }

    private func scanCount(batchSize: Int) -> Int {
        DeliveryPolicy(ConsumerGroupConfiguration(subscription: .factory, batchSize: batchSize)).reclaimScan.count
    }
}

private struct Unreachable: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}
