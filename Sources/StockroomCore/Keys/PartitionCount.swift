import Logging
import NIOCore
import StockroomRedis

/// The partition count decides where every key lives, so it is recorded in Redis once, when the data
/// is created (`stockroom:partitions`), and every process reads it from there: these two functions
/// are the only ones that touch that key.
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
        return redis.send(["SET", countKey, String(configured), "NX"]).flatMap { _ in
            redis.send(["GET", countKey])
        }.flatMapThrowing { reply in
            let recorded = try recordedCount(reply, key: countKey)
            if recorded != configured {
                logger.warning(
                    "Redis records a different partition count; using the recorded one",
                    metadata: ["sr.partitions": "\(recorded)", "sr.configured": "\(configured)"]
                )
            }
            return KeySpace(partitions: recorded, prefix: prefix)
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
        return KeySpace(partitions: try recordedCount(reply, key: countKey), prefix: prefix)
    }

    private static func recordedCount(_ reply: RESPValue, key: String) throws(SalesError) -> Int {
        guard let count = reply.int, count >= 1, count <= Int64(Int32.max) else {
            throw SalesError(.internalError, "\(key) holds \(reply), not a partition count")
        }
        return Int(count)
    }
}
