import Logging
import NIOCore
import StockroomRedis

/// Gives the replay records of each closed bucket their expiry, so that the purchase script does not
/// have to: setting it there cost Redis about a microsecond per purchase, an eighth of the purchase,
/// while here it is one `EXPIREAT` per shard and bucket (16,384 per partition per replay window).
///
/// A bucket is written while it is Redis's current one and read for one window more, so it may expire
/// a window after it ends: at `(bucket + 2) × window`, the same record lifetime of one to two windows as
/// before. Each partition keeps, in `stockroom:{pN}:replays:expired`, one field per replay window ever
/// served (a server restarted with another `--replay-window` leaves buckets numbered by the old one)
/// and as value the last bucket whose shards have their expiry. Every pass is safe to run from several
/// servers at once: they set the same expiry on the same keys.
public struct ReplayExpiry: Sendable {
    /// Buckets one pass handles per partition and window, so that a server that was down for long
    /// catches up in steps instead of in one burst.
    public static let bucketsPerPass = 4
    static let commandsInFlight = 1024

    public let keys: KeySpace
    public let windowSeconds: Int

    public init(keys: KeySpace, windowSeconds: Int) {
        self.keys = keys
        self.windowSeconds = windowSeconds
    }

    /// The hash of expired buckets by window, in `partition`.
    public func markerKey(partition: Int) -> String { keys.replayKeyPrefix(partition: partition) + ":expired" }

    /// Records this server's window in every partition, before it sells: from the bucket before the
    /// current one on, if no server recorded it yet. Without it, a server that sold and stopped before
    /// its first pass would leave its buckets without an expiry.
    public func adopt(on redis: RedisConnection) async throws {
        let bucket = try await currentSeconds(on: redis) / windowSeconds
        for partition in 0..<keys.partitions {
            _ = try await redis.send(["HSETNX", markerKey(partition: partition), String(windowSeconds), String(bucket - 1)]).get()
        }
    }

    /// One pass over every partition and window; returns how many buckets got their expiry.
    @discardableResult
    public func pass(on redis: RedisConnection, logger: Logger) async throws -> Int {
        let now = try await currentSeconds(on: redis)
        var expired = 0
        for partition in 0..<keys.partitions {
            let marker = markerKey(partition: partition)
            for (window, lastExpired) in try await windows(marker, on: redis) {
                let last = min(now / window - 1, lastExpired + Self.bucketsPerPass)
                guard last > lastExpired else { continue }
                for bucket in (lastExpired + 1)...last {
                    try await expire(bucket: bucket, window: window, partition: partition, on: redis)
                    _ = try await redis.send(["HSET", marker, String(window), String(bucket)]).get()
                    expired += 1
                    logger.debug(
                        "replay records expire",
                        metadata: ["sr.partition": "\(partition)", "sr.bucket": "\(bucket)", "sr.expires_at": "\((bucket + 2) * window)"]
                    )
                }
            }
        }
        return expired
    }

    /// `EXPIREAT` on every shard of one bucket, pipelined. A shard that was never written costs a
    /// lookup; a bucket already past its time is deleted at once.
    private func expire(bucket: Int, window: Int, partition: Int, on redis: RedisConnection) async throws {
        let prefix = keys.replayKeyPrefix(partition: partition) + ":\(bucket):"
        let expiresAt = String((bucket + 2) * window)
        for start in stride(from: 0, to: KeySpace.replayShards, by: Self.commandsInFlight) {
            let sent = (start..<min(start + Self.commandsInFlight, KeySpace.replayShards)).map { shard in
                redis.send(["EXPIREAT", prefix + String(shard), expiresAt])
            }
            for reply in sent { _ = try await reply.get() }
        }
    }

    private func windows(_ marker: String, on redis: RedisConnection) async throws -> [(window: Int, lastExpired: Int)] {
        let fields = try await redis.send(["HGETALL", marker]).get().array ?? []
        return stride(from: 0, to: fields.count - 1, by: 2).compactMap { index in
            guard let window = fields[index].string.flatMap({ Int($0) }), window > 0,
                let last = fields[index + 1].string.flatMap({ Int($0) })
            else { return nil }
            return (window, last)
        }
    }

    private func currentSeconds(on redis: RedisConnection) async throws -> Int {
        guard let seconds = try await redis.send(["TIME"]).get().array?.first?.string.flatMap({ Int($0) }) else {
            throw SalesError(.internalError, "Redis TIME gave no seconds")
        }
        return seconds
    }
}
