import StockroomCore

/// How one consumer group runs: how many consumers, how much they read at once, and when an entry
/// counts as lost (visibility timeout), is retried (backoff) or is given up (max deliveries).
///
/// The retry schedule, counted in Redis's own delivery count `d` (this process's crashes and kills
/// count too): after a delivery that failed or never finished, the entry is taken again once it has
/// been idle (no ack, no heartbeat) for `visibilityTimeout × 2^(d-1)`, at most `maxBackoff`. After
/// `maxDeliveries` deliveries it goes to the group's dead letters instead. With the defaults:
/// retries 30 s, 60 s, 120 s and 240 s after the failures, dead letter on the fifth failure.
public struct ConsumerGroupConfiguration: Sendable, Hashable {
    public var subscription: Subscription
    /// Consumers of this group in this process; each has its own connection for its blocking reads
    /// and handles its entries one at a time.
    public var consumers: Int
    /// XREADGROUP COUNT: at most this many entries per stream per read.
    public var batchSize: Int
    /// XREADGROUP BLOCK: how long a read waits for new entries; bounds how long shutdown waits for a read.
    public var block: Duration
    /// An entry not acknowledged and not heartbeaten for this long is considered lost and retried.
    public var visibilityTimeout: Duration
    /// Deliveries after which a failing entry becomes a dead letter (a `PoisonEntry` goes at once).
    public var maxDeliveries: Int
    /// How often the claims of a batch being worked on are refreshed; well below `visibilityTimeout`.
    public var heartbeatInterval: Duration
    /// The longest idle time the retry backoff waits for.
    public var maxBackoff: Duration
    /// How often each consumer looks for entries to take over (XPENDING IDLE + XCLAIM).
    public var reclaimInterval: Duration

    public init(
        subscription: Subscription,
        consumers: Int = 2,
        batchSize: Int = 16,
        block: Duration = .seconds(1),
        visibilityTimeout: Duration = .seconds(30),
        maxDeliveries: Int = 5,
        heartbeatInterval: Duration? = nil,
        maxBackoff: Duration = .seconds(300),
        reclaimInterval: Duration? = nil
    ) {
        precondition(consumers >= 1 && batchSize >= 1 && maxDeliveries >= 1, "a consumer group needs consumers, a batch and a delivery")
        precondition(visibilityTimeout > .zero && block > .zero, "a consumer group needs a visibility timeout and a block time")
        self.subscription = subscription
        self.consumers = consumers
        self.batchSize = batchSize
        self.block = block
        self.visibilityTimeout = visibilityTimeout
        self.maxDeliveries = maxDeliveries
        self.heartbeatInterval = heartbeatInterval ?? visibilityTimeout / 3
        self.maxBackoff = max(maxBackoff, visibilityTimeout)
        self.reclaimInterval = reclaimInterval ?? min(max(visibilityTimeout / 2, .milliseconds(50)), .seconds(15))
    }


    /// How long an entry delivered `deliveries` times must have been idle before it is taken again.
    public func backoff(deliveries: Int) -> Duration {
        DeliveryPolicy(self).backoff(deliveries: deliveries)
    }
}
