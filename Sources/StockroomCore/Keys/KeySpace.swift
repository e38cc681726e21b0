/// Names every Redis key Stockroom uses, and places each SKU in a partition.
///
/// Every key of a partition carries the partition's hash tag (`{p3}`, or `{p3-<k>}` for spread tags:
/// ``PartitionTags``), so a script that touches a SKU, its purchase records and its partition's streams
/// stays inside one Redis Cluster slot. Tagging by
/// partition rather than by SKU keeps the number of streams fixed at `partitions × topics`.
///
/// ```
/// stockroom:partitions                       P/spread (or P: numbered tags), written once when the data is created
/// stockroom:group-settings:<topic>/<group>    hash: the delivery settings the group's workers run with
/// stockroom:{p3}:sku:CP-502101               hash: stock, reorder_point, reorder_qty, open_order, order_seq
/// stockroom:{p3}:sku-names                   sorted set: the SKUs of partition 3, all scored 0 (by name)
/// stockroom:{p3}:replays:<bucket>:<shard>    hash: <SKU>/<purchase id> → the first answer (expires by bucket)
/// stockroom:{p3}:stream:<topic>              stream: sales, stock-empty, stock-arrival
/// stockroom:{p3}:retry:<topic>:<group>        stream: redriven entries only <group> reads again
/// stockroom:{p3}:dlq:<topic>:<group>          stream: <group>'s dead letters of <topic>
/// stockroom:{p3}:audit:redrive                stream: who redrove, purged, cancelled or restocked what, when
/// stockroom:{p3}:lasterror:<topic>:<group>    hash: the last handler error of each pending entry
/// stockroom:{p3}:reading:<topic>:<group>      string: the consumer that last read here (expires: see ReadingMark)
/// stockroom:{p3}:order:<order>                hash: a factory order's record (sku, quantity, status, …)
/// stockroom:{p3}:orders:due                   sorted set: open and requested orders by deadline (ms)
/// stockroom:{p3}:orders:transitions           hash: how many orders took each transition
/// stockroom:{p3}:orders:state:<state>         sorted set: the orders in <state>, by when they entered it (ms)
/// stockroom:{p3}:ops:sku:<SKU>                 hash: the ops group's counters: sold, sales, stockouts, …
/// stockroom:console:jobs                       sorted set: the console's bulk redrive and purge jobs, by start (ms)
/// stockroom:console:job:<id>                   hash: one bulk job's filter, progress and state
/// ```
///
/// This is the only place a key name is spelled; scripts receive every key as KEYS, never build one,
/// with three exceptions that share the KEYS' hash tag, so they stay in one Cluster slot: the factory
/// group's dead-letter effects (`factoryOrderDeadLetterEffects`) build order keys from the partition's
/// tag, because a purge of `--all` finds its entries inside the script; the purchase script builds
/// its replay hash's name from `replayKeyPrefix`, because the time bucket is Redis's clock; and the
/// order scripts name a state's index from `orderStatePrefix`, because the state is the script's to decide.
public struct KeySpace: Sendable, Hashable {
    public static let defaultPrefix = "stockroom"

    public let prefix: String
    public let partitions: Int
    public let tags: PartitionTags
    /// Each partition's hash tag, worked out once.
    private let tagNames: [String]

    public init(partitions: Int, prefix: String = KeySpace.defaultPrefix, tags: PartitionTags = .numbered) {
        precondition(partitions >= 1, "a key space needs at least one partition")
        self.prefix = prefix
        self.partitions = partitions
        self.tags = tags
        self.tagNames = tags.names(partitions: partitions)
    }

    /// Where the partition count is recorded, outside any partition: it is read once at start-up.
    public var partitionCountKey: String { "\(prefix):partitions" }

    /// The console's bulk jobs (redrives and purges of every dead letter matching a filter), newest
    /// last. Outside any partition: a job walks them all.
    public var consoleJobsKey: String { "\(prefix):console:jobs" }

    /// One bulk job's record: what it does, who started it, how far it is.
    public func consoleJobKey(_ id: String) -> String { "\(prefix):console:job:\(id)" }

    /// The delivery settings a group's workers run with, recorded so that a sweeper in any process
    /// applies the group's own. Outside any partition: one small hash per group, read by single commands.
    public func groupSettingsKey(_ subscription: Subscription) -> String {
        "\(prefix):group-settings:\(subscription.topic.rawValue)/\(subscription.group)"
    }

    /// The SKU's partition: FNV-1a (32 bit) of its UTF-8 bytes, modulo the partition count.
    ///
    /// The hash must never change: it decides where existing data lives. proto-spec and the README
    /// document it so that other tools can find a SKU's keys.
    public func partition(of sku: String) -> Int {
        var hash: UInt32 = 2_166_136_261
        for byte in sku.utf8 {
            hash ^= UInt32(byte)
            hash = hash &* 16_777_619
        }
        return Int(hash % UInt32(partitions))
    }

    public func tag(_ partition: Int) -> String { "\(prefix):{\(tagNames[partition])}" }

    public func skuKey(_ sku: String) -> String { skuKey(sku, partition: partition(of: sku)) }

    /// For a caller that already knows the SKU's partition: the hash is computed once per request.
    public func skuKey(_ sku: String, partition: Int) -> String { "\(tag(partition)):sku:\(sku)" }

    /// The SKUs of a partition, every score 0, so `ZRANGEBYLEX` pages them by name and by prefix. The
    /// set-stock script adds each SKU it creates.
    public func skuNamesKey(partition: Int) -> String { "\(tag(partition)):sku-names" }

    /// Where a partition's replay records live: hashes `<this>:<bucket>:<shard>`, one field
    /// `<SKU>/<purchase id>` per purchase (see `PurchaseScript`). The purchase script appends bucket and
    /// shard itself: the bucket comes from Redis's clock, so every server agrees on it.
    public func replayKeyPrefix(partition: Int) -> String { "\(tag(partition)):replays" }

    /// Shards per partition and time bucket. Each shard stays a small hash, which Redis keeps as one
    /// compact listpack (up to `hash-max-listpack-entries`, 128 by default): about 40 bytes per
    /// purchase instead of a key of its own. Finding a field in a listpack reads it from the start,
    /// so shorter ones cost Redis less per purchase: 16,384 shards keep them under about 60 fields up
    /// to a million purchases per partition per replay window, for about 2 MB of key overhead. Past
    /// `hash-max-listpack-entries` fields a shard becomes a hash table and costs about twice as much
    /// memory. Changing it orphans the records of the current window: never change it in place.
    public static let replayShards = 16384

    /// The shard of a purchase: FNV-1a of `<SKU>/<purchase id>`, so a retry finds its record.
    public static func replayShard(sku: String, purchaseID: String) -> Int {
        var hash: UInt32 = 2_166_136_261
        for byte in sku.utf8 + [UInt8(ascii: "/")] + purchaseID.utf8 {
            hash = (hash ^ UInt32(byte)) &* 16_777_619
        }
        return Int(hash % UInt32(replayShards))
    }

    public func stream(_ topic: Topic, partition: Int) -> String { "\(tag(partition)):stream:\(topic.rawValue)" }

    /// Where `group` reads entries of `topic` again after a redrive: only that group reads it.
    public func retryStream(_ topic: Topic, group: String, partition: Int) -> String {
        "\(tag(partition)):retry:\(topic.rawValue):\(group)"
    }

    /// `group`'s dead letters of `topic`.
    public func deadLetterStream(_ topic: Topic, group: String, partition: Int) -> String {
        "\(tag(partition)):dlq:\(topic.rawValue):\(group)"
    }

    /// The audit trail of one partition's operator actions: redrives, purges, order cancels and
    /// retries, stock changes. Named for the redrives it first held, and kept so that earlier records
    /// stay. Capped near ``auditLength`` entries (`XADD MAXLEN ~`), the oldest dropped first.
    public func auditStream(partition: Int) -> String { "\(tag(partition)):audit:redrive" }

    /// About how many records each partition's audit stream keeps.
    public static let auditLength = 100_000

    /// Where `group`'s last handler error of each failed, still pending entry of `topic` is kept:
    /// field `stream:<id>` (topic stream) or `retry:<id>` (retry stream), value a JSON failure record
    /// `{"error","consumer","first_failed_at","last_failed_at","failures","deliveries"}`.
    public func lastErrorKey(_ topic: Topic, group: String, partition: Int) -> String {
        "\(tag(partition)):lasterror:\(topic.rawValue):\(group)"
    }

    /// Set (to a consumer's name, with a short expiry) by `group`'s consumers while they manage to read
    /// `topic` in this partition: `stockroom status` calls a partition without it unread.
    public func readingMarkKey(_ topic: Topic, group: String, partition: Int) -> String {
        "\(tag(partition)):reading:\(topic.rawValue):\(group)"
    }

    /// The operations team's counters of one SKU.
    public func opsKey(_ sku: String, partition: Int) -> String { "\(tag(partition)):ops:sku:\(sku)" }

    /// The orders of a partition that are not closed yet, scored by their deadline (ms since 1970): when
    /// one passes, the order is requested again or expires.
    public func ordersDueKey(partition: Int) -> String { "\(tag(partition)):orders:due" }

    /// How many orders of a partition took each transition (`opened`, `requested`, `requested_again`,
    /// `delivered`, `expired`, `cancelled`, `failed`, `reopened`): a hash the order scripts count in, so
    /// `stockroom status` shows the lifecycle without scanning every order.
    public func orderTransitionsKey(partition: Int) -> String { "\(tag(partition)):orders:transitions" }

    /// Where the orders of one state are indexed: the prefix of `orderStateKey`, which the order
    /// scripts complete with the state they move an order to (`OrderStateIndex`).
    public func orderStatePrefix(partition: Int) -> String { "\(tag(partition)):orders:state:" }

    /// The orders of a partition in `state`, scored by when they entered it (ms since 1970).
    public func orderStateKey(_ state: String, partition: Int) -> String { orderStatePrefix(partition: partition) + state }

    /// Our record of one factory order, by our own order reference (`SKU@n`).
    public func orderKey(_ order: String, partition: Int) -> String { "\(tag(partition)):order:\(order)" }

    /// Every partition's stream of one topic, for consumers that read them all.
    public func streams(_ topic: Topic) -> [String] { (0..<partitions).map { stream(topic, partition: $0) } }
}
