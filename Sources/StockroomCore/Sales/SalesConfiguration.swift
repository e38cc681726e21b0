/// Limits and defaults of the sales rules.
public struct SalesConfiguration: Sendable, Hashable {
    /// The largest quantity one purchase may ask for.
    public var maximumQuantity = 1000
    /// The reorder quantity of a SKU created without one.
    public var defaultReorderQuantity = 100
    /// How long the first answer to a purchase id is kept for replays, in seconds.
    public var replayWindowSeconds = 24 * 60 * 60
    /// Partitions for data created now (at most `PartitionTags.maximumPartitions`). Existing data keeps
    /// the count recorded in Redis. 12 spread tags land evenly on 1, 2, 3, 4, 6 or 12 cluster masters.
    public var partitions = 12
    /// Replicas that must confirm each batch of purchases (Redis `WAIT`) before they are answered;
    /// 0 answers as soon as the master has them.
    public var syncReplicas = 0
    /// How long a batch waits for those confirmations, in milliseconds.
    public var syncTimeoutMilliseconds = 1000

    public init() {}
}
