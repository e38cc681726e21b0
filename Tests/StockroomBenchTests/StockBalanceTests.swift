import StockroomBench
import XCTest

/// The oversell check: sold + remaining == stock set, per SKU, allowing only for unanswered purchases.
final class StockBalanceTests: XCTestCase {
    func testSoldPlusRemainingEqualToTheStockBalances() {
        let balance = StockBalance(names: ["A", "B"], stockSet: 100, sold: [100, 30], uncertain: [0, 0], remaining: [0, 70])
        XCTAssertTrue(balance.balanced)
        XCTAssertEqual(balance.stockSet, 200)
        XCTAssertEqual(balance.sold, 130)
        XCTAssertEqual(balance.remaining, 70)
        XCTAssertEqual(balance.line, "check: sold 130 + remaining 70 = stock set 200 on 2 SKUs: balanced")
    }

    func testMoreSoldThanLeftTheShelfIsAnOversell() {
        // B answered SOLD for 31 units, but only 30 left its stock: one unit was sold twice.
        let balance = StockBalance(names: ["A", "B"], stockSet: 100, sold: [100, 31], uncertain: [0, 0], remaining: [0, 70])
        XCTAssertFalse(balance.balanced)
        XCTAssertEqual(balance.oversoldCount, 1)
        XCTAssertEqual(balance.oversold.map(\.sku), ["B"])
        XCTAssertEqual(balance.lostCount, 0)
        XCTAssertTrue(balance.line.hasPrefix("check: FAILED on 2 SKUs: sold 131 + remaining 70 vs stock set 200; 1 oversold (B:"), balance.line)
    }

    func testStockGoneWithoutASaleIsCaughtToo() {
        let balance = StockBalance(names: ["A"], stockSet: 10, sold: [3], uncertain: [0], remaining: [6])
        XCTAssertFalse(balance.balanced)
        XCTAssertEqual(balance.lostCount, 1)
        XCTAssertEqual(balance.oversoldCount, 0)
    }

    func testUnansweredPurchasesMayHaveSoldEitherWay() {
        // 4 units were asked for without an answer: between 0 and 4 of them may have left the shelf.
        for remaining in 3...7 {
            let balance = StockBalance(names: ["A"], stockSet: 10, sold: [3], uncertain: [4], remaining: [remaining])
            XCTAssertTrue(balance.balanced, "remaining \(remaining)")
            XCTAssertTrue(balance.line.hasSuffix("balanced within the 4 units of unanswered purchases"), balance.line)
        }
        XCTAssertFalse(StockBalance(names: ["A"], stockSet: 10, sold: [3], uncertain: [4], remaining: [8]).balanced)
        XCTAssertFalse(StockBalance(names: ["A"], stockSet: 10, sold: [3], uncertain: [4], remaining: [2]).balanced)
    }

    func testEveryImbalanceIsCountedButOnlyAFewNamed() {
        let count = 20
        let balance = StockBalance(
            names: (0..<count).map { "S\($0)" }, stockSet: 5, sold: Array(repeating: 5, count: count),
            uncertain: Array(repeating: 0, count: count), remaining: Array(repeating: 1, count: count), listed: 3
        )
        XCTAssertEqual(balance.oversoldCount, 20)
        XCTAssertEqual(balance.oversold.map(\.sku), ["S0", "S1", "S2"])
    }

    /// The tally the check reads: units per SKU, sold or uncertain, from the outcomes.
    func testTheTallyCountsUnitsPerSKUFromEachOutcome() {
        var tally = RunTally(skuCount: 3)
        tally.record(.sold, for: .purchase(sku: 0, quantity: 2, purchaseID: "a"), latencyNanoseconds: 1_000)
        tally.record(.sold, for: .purchase(sku: 0, quantity: 2, purchaseID: "b"), latencyNanoseconds: 1_000)
        tally.record(.outOfStock, for: .purchase(sku: 1, quantity: 5, purchaseID: "c"), latencyNanoseconds: 1_000)
        tally.record(.error(code: "timeout", uncertain: true), for: .purchase(sku: 2, quantity: 3, purchaseID: "d"), latencyNanoseconds: 1_000)
        tally.record(.error(code: "OVERLOADED", uncertain: false), for: .purchase(sku: 2, quantity: 3, purchaseID: "e"), latencyNanoseconds: 1_000)
        tally.record(.replay, for: .purchase(sku: 1, quantity: 1, purchaseID: "a"), latencyNanoseconds: 1_000)
        tally.record(.stock, for: .get(sku: 1), latencyNanoseconds: 1_000)
        XCTAssertEqual(tally.soldUnits, [4, 0, 0])
        XCTAssertEqual(tally.uncertainUnits, [0, 0, 3])
        XCTAssertEqual(tally.results, ["SOLD": 2, "OUT_OF_STOCK": 1, "REPLAY": 1, "STOCK": 1])
        XCTAssertEqual(tally.errors, ["timeout": 1, "OVERLOADED": 1])
        XCTAssertEqual(tally.purchases, 6)
        XCTAssertEqual(tally.completed, 7)

        var other = RunTally(skuCount: 3)
        other.record(.sold, for: .purchase(sku: 2, quantity: 1, purchaseID: "f"), latencyNanoseconds: 1_000)
        tally.add(other)
        XCTAssertEqual(tally.soldUnits, [4, 0, 1])
        XCTAssertEqual(tally.completed, 8)
    }
}
