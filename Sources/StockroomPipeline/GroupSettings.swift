import StockroomCore
import StockroomRedis

/// The delivery settings of one consumer group, as its workers record them in Redis
/// (`stockroom:group-settings:<topic>/<group>`): the sweeper dead-letters a group's abandoned entries
/// by the group's own visibility timeout and delivery limit, not by its own process's flags.
struct GroupSettings: Sendable, Hashable {
    var visibilityTimeout: Duration
    var maxDeliveries: Int
    var maxBackoff: Duration

    init(_ configuration: ConsumerGroupConfiguration) {
        self.visibilityTimeout = configuration.visibilityTimeout
        self.maxDeliveries = configuration.maxDeliveries
        self.maxBackoff = configuration.maxBackoff
    }

    /// `configuration` with these settings in place of its own delivery settings.
    func applied(to configuration: ConsumerGroupConfiguration) -> ConsumerGroupConfiguration {
        ConsumerGroupConfiguration(
            subscription: configuration.subscription,
            consumers: configuration.consumers,
            batchSize: configuration.batchSize,
            block: configuration.block,
            visibilityTimeout: visibilityTimeout,
            maxDeliveries: maxDeliveries,
            maxBackoff: maxBackoff,
            reclaimInterval: configuration.reclaimInterval
        )
    }

    /// Records these settings as `subscription`'s; the last group's worker to start wins.
    func record(for subscription: Subscription, keys: KeySpace, on redis: RedisConnection) async throws {
        _ = try await redis.send([
            "HSET", keys.groupSettingsKey(subscription),
            "visibility_ms", String(visibilityTimeout.wholeMilliseconds),
            "max_deliveries", String(maxDeliveries),
            "max_backoff_ms", String(maxBackoff.wholeMilliseconds),
        ]).get()
    }

    /// The settings `subscription`'s workers recorded; nil when none did (or the record is unreadable).
    static func recorded(for subscription: Subscription, keys: KeySpace, on redis: RedisConnection) async throws -> GroupSettings? {
        let fields = try await redis.send(["HGETALL", keys.groupSettingsKey(subscription)]).get().fieldDictionary()
        guard let visibility = fields["visibility_ms"].flatMap(Int64.init), visibility > 0,
            let maxDeliveries = fields["max_deliveries"].flatMap(Int.init), maxDeliveries >= 1,
            let maxBackoff = fields["max_backoff_ms"].flatMap(Int64.init), maxBackoff > 0
        else { return nil }
        return GroupSettings(
            visibilityTimeout: .milliseconds(visibility), maxDeliveries: maxDeliveries, maxBackoff: .milliseconds(maxBackoff)
        )
    }

    private init(visibilityTimeout: Duration, maxDeliveries: Int, maxBackoff: Duration) {
        self.visibilityTimeout = visibilityTimeout
        self.maxDeliveries = maxDeliveries
        self.maxBackoff = maxBackoff
    }
}
