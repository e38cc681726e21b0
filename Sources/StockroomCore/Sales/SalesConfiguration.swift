/// Limits and defaults of the sales rules.
public struct SalesConfiguration: Sendable, Hashable {
    /// The largest quantity one purchase may ask for.
    public var maximumQuantity = 1000
    /// The reorder quantity of a SKU created without one.
    public var defaultReorderQuantity = 100
    /// How long the first answer to a purchase id is kept for replays, in seconds.
    public var replayWindowSeconds = 24 * 60 * 60
    /// Partitions for data created now. Existing data keeps the count recorded in Redis.
    public var partitions = 4

    public init() {}
}
