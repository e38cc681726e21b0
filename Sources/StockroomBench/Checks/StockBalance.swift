/// The oversell check: after a run, for every SKU, the units sold plus the units remaining must be
/// the stock set before it. Purchases whose answer never came may have sold, so their units may
/// go either way; nothing else may.
///
/// With `taken = stock set − remaining`, `sold` the units answered SOLD and `uncertain` the units
/// of unanswered purchases, a SKU balances when `sold ≤ taken ≤ sold + uncertain`:
/// - `taken < sold`: more was answered SOLD than left the shelf: **oversold**;
/// - `taken > sold + uncertain`: stock left the shelf without a sale to show for it: **lost**.
public struct StockBalance: Sendable, Hashable, Codable {
    public struct Imbalance: Sendable, Hashable, Codable {
        public var sku: String
        public var stockSet: Int
        public var sold: Int
        public var uncertain: Int
        public var remaining: Int
    }

    public var skus: Int
    /// Totals over every SKU.
    public var stockSet: Int
    public var sold: Int
    public var uncertain: Int
    public var remaining: Int
    /// The first few SKUs of each kind of imbalance (all are counted).
    public var oversold: [Imbalance]
    public var oversoldCount: Int
    public var lost: [Imbalance]
    public var lostCount: Int
    public let balanced: Bool

    /// - Parameters:
    ///   - names: the SKUs, in the index order of the other arrays.
    ///   - stockSet: the stock every SKU was set to before the run.
    ///   - sold, uncertain, remaining: per SKU.
    ///   - listed: how many SKUs of each imbalance to name.
    public init(names: [String], stockSet: Int, sold: [Int], uncertain: [Int], remaining: [Int], listed: Int = 5) {
        precondition(names.count == sold.count && sold.count == uncertain.count && uncertain.count == remaining.count)
        self.skus = names.count
        self.stockSet = stockSet * names.count
        self.sold = sold.reduce(0, +)
        self.uncertain = uncertain.reduce(0, +)
        self.remaining = remaining.reduce(0, +)
        self.oversold = []
        self.lost = []
        self.oversoldCount = 0
        self.lostCount = 0
        for index in names.indices {
            let taken = stockSet - remaining[index]
            let line = Imbalance(
                sku: names[index], stockSet: stockSet, sold: sold[index], uncertain: uncertain[index], remaining: remaining[index]
            )
            if taken < sold[index] {
                oversoldCount += 1
                if oversold.count < listed { oversold.append(line) }
            } else if taken > sold[index] + uncertain[index] {
                lostCount += 1
                if lost.count < listed { lost.append(line) }
            }
        }
        balanced = oversoldCount == 0 && lostCount == 0
    }

    /// The one line the harness prints, e.g.
    /// `check: sold 206,170 + remaining 793,830 = stock set 1,000,000 on 1 SKU: balanced`.
    public var line: String {
        let skuText = skus == 1 ? "1 SKU" : "\(Formatting.grouped(skus)) SKUs"
        let sums = "sold \(Formatting.grouped(sold)) + remaining \(Formatting.grouped(remaining))"
        guard balanced else {
            var problems: [String] = []
            if oversoldCount > 0 { problems.append("\(oversoldCount) oversold (\(Self.describe(oversold)))") }
            if lostCount > 0 { problems.append("\(lostCount) with stock gone unsold (\(Self.describe(lost)))") }
            return "check: FAILED on \(skuText): \(sums) vs stock set \(Formatting.grouped(stockSet)); "
                + problems.joined(separator: "; ")
        }
        if uncertain == 0 {
            return "check: \(sums) = stock set \(Formatting.grouped(stockSet)) on \(skuText): balanced"
        }
        return "check: \(sums) vs stock set \(Formatting.grouped(stockSet)) on \(skuText): balanced within the "
            + "\(Formatting.grouped(uncertain)) units of unanswered purchases"
    }

    private static func describe(_ lines: [Imbalance]) -> String {
        lines.map { "\($0.sku): stock \($0.stockSet), sold \($0.sold), remaining \($0.remaining), unanswered \($0.uncertain)" }
            .joined(separator: ", ")
    }
}
