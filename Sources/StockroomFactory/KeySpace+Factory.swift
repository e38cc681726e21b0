import StockroomCore

/// Keys only the factory module uses, named like the rest of `KeySpace`:
///
/// ```
/// stockroom:{p3}:ops:sku:CP-502101                      hash: sold, sales, last_sale_at, remaining, stockouts, …
/// stockroom:{p3}:ops:seen:sales:1700000000000-0         the ops group counted this entry (expires)
/// stockroom:{p3}:ops:seen:sales:retry:1700000000500-0   the same for an entry of the ops retry stream
/// ```
extension KeySpace {
    /// The operations team's counters of one SKU.
    public func opsKey(_ sku: String) -> String { "\(tag(partition(of: sku))):ops:sku:\(sku)" }

    /// Marks one topic entry as counted by the ops group, by its id in the topic stream, so that a
    /// redriven copy (read from the retry stream under another id) is recognised. Entry ids repeat
    /// across topics (the purchase script appends to sales and stock-empty in the same millisecond),
    /// hence the topic in the key.
    public func opsSeenKey(topic: Topic, entryID: String, partition: Int) -> String {
        "\(tag(partition)):ops:seen:\(topic.rawValue):\(entryID)"
    }
}
