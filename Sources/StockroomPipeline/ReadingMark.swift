import StockroomCore
import StockroomRedis

/// A consumer's sign, kept in the partition itself, that it is managing to read the partition: the
/// `reading` key (``KeySpace/readingMarkKey(_:group:partition:)``), set to `<lifetime ms> <consumer>`
/// with that expiry, renewed every ``renewal`` while the consumer's reads succeed (and by the claim
/// heartbeat while it works through a long batch).
///
/// Redis 7.0 cannot tell this by itself: a consumer blocked in `XREADGROUP` on an empty stream does
/// not even appear in `XINFO CONSUMERS`, so an idle healthy partition and an unread one look the
/// same there. The mark is written on the partition's own node, so a node the workers cannot reach
/// loses its marks too; and its expiry runs on Redis's clock, so no two hosts' clocks are compared.
/// Cost: one `SET` per consumer and partition every ``renewal`` (with the defaults, 2 consumers ×
/// 12 partitions / 2 s = 12 commands/s per group).
public struct ReadingMark: Sendable, Hashable {
    /// How often a consumer whose reads succeed renews its mark.
    public static let renewal: Duration = .seconds(2)

    /// How long a mark lives when a consumer blocks for `block` per read (6 s with the default 1 s):
    /// a partition without a live mark has not been read for at least that long.
    public static func lifetime(block: Duration) -> Duration {
        block * 2 + renewal * 2
    }

    /// The consumer that set it.
    public var consumer: String
    /// How long ago it was set (its lifetime minus the time it has left).
    public var age: Duration

    /// `SET <key> "<lifetime ms> <consumer>" PX <lifetime ms>`.
    static func renew(key: String, consumer: String, block: Duration, on redis: RedisConnection) async throws {
        let lifetime = String(lifetime(block: block).wholeMilliseconds)
        _ = try await redis.send(["SET", key, "\(lifetime) \(consumer)", "PX", lifetime]).get()
    }

    /// The live mark at `key`; nil when there is none (never read, or not for its whole lifetime).
    static func read(key: String, on redis: RedisConnection) async throws -> ReadingMark? {
        async let value = redis.send(["GET", key]).get()
        async let remaining = redis.send(["PTTL", key]).get()
        guard let text = try await value.string, let left = try await remaining.int, left >= 0 else { return nil }
        let parts = text.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, let lifetime = Int64(parts[0]) else { return nil }
        return ReadingMark(consumer: String(parts[1]), age: .milliseconds(max(lifetime - left, 0)))
    }
}
