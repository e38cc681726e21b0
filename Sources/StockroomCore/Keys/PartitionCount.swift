import Logging
import NIOCore
import StockroomRedis

/// The partition count and the partitions' hash tags decide where every key lives, so they are
/// recorded in Redis once, when the data is created (`stockroom:partitions`: `12/spread` for data
/// created now, a plain count such as `4` for data created with numbered tags), and every process
/// reads them from there: these two functions are the only ones that touch that key.
extension KeySpace {
    /// The key space of the data in `redis`: records `configured` when the data is new, else keeps
    /// what is recorded (a different `configured` is logged, never applied).
    public static func open(
        on redis: RedisConnection,
        configured: Int,
        prefix: String = KeySpace.defaultPrefix,
        logger: Logger
    ) -> EventLoopFuture<KeySpace> {
        let countKey = KeySpace(partitions: 1, prefix: prefix).partitionCountKey
        return redis.send(["SET", countKey, "\(configured)/\(PartitionTags.spread.rawValue)", "NX"]).flatMap { _ in
            redis.send(["GET", countKey])
        }.flatMapThrowing { reply in
            let recorded = try recordedKeySpace(reply, key: countKey, prefix: prefix)
            if recorded.partitions != configured {
                logger.warning(
                    "Redis records a different partition count; using the recorded one",
                    metadata: ["sr.partitions": "\(recorded.partitions)", "sr.configured": "\(configured)"]
                )
            }
            return recorded
        }.flatMapErrorThrowing { error in throw (error as? SalesError) ?? SalesError(error) }
    }

    /// The key space of existing data; fails when Stockroom never created data in this Redis.
    public static func recorded(on redis: RedisConnection, prefix: String = KeySpace.defaultPrefix) async throws -> KeySpace {
        let countKey = KeySpace(partitions: 1, prefix: prefix).partitionCountKey
        let reply: RESPValue
        do {
            reply = try await redis.send(["GET", countKey]).get()
        } catch {
            throw SalesError(error)
        }
        guard !reply.isNull else {
            throw SalesError(
                .uninitialized,
                "no Stockroom data in this Redis (\(countKey) is missing): start `stockroom serve` on it first"
            )
        }
        return try recordedKeySpace(reply, key: countKey, prefix: prefix)
    }

    /// `N` (numbered tags) or `N/<tags>`.
    private static func recordedKeySpace(_ reply: RESPValue, key: String, prefix: String) throws(SalesError) -> KeySpace {
        let text = reply.string ?? ""
        let parts = text.split(separator: "/", maxSplits: 1)
        guard let first = parts.first, let count = Int(first), (1...Int(Int32.max)).contains(count),
            let tags = parts.count == 1 ? PartitionTags.numbered : PartitionTags(rawValue: String(parts[1]))
        else {
            throw SalesError(.internalError, "\(key) holds \(reply), not a partition count (N, or N/spread)")
        }
        return KeySpace(partitions: count, prefix: prefix, tags: tags)
    }
}
