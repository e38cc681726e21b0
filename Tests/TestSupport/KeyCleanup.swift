import StockroomRedis

/// Deletes every key that starts with `prefix`, so a test leaves the shared Redis as it found it. On a
/// Redis Cluster it asks every master (a node that does not answer keeps its keys) and deletes the
/// keys one by one, each on its own node. `KEYS` rather than `SCAN`: test data is small, and one
/// command per master needs no cursor per node.
public func deleteKeys(prefixed prefix: String, on redis: RedisConnection) async throws {
    for reply in try await redis.sendToEveryMaster(["KEYS", prefix + "*"]).get() {
        guard case .success(let keys) = reply.result else { continue }
        let unlinked = (keys.array ?? []).compactMap(\.string).map { redis.send(["UNLINK", $0]) }
        for done in unlinked { _ = try await done.get() }
    }
}

/// Counts the keys that start with `prefix` (on a Redis Cluster, over every master).
public func countKeys(prefixed prefix: String, on redis: RedisConnection) async throws -> Int {
    var count = 0
    for reply in try await redis.sendToEveryMaster(["EVAL", "return #redis.call('KEYS', ARGV[1])", "0", prefix + "*"]).get() {
        count += Int(try reply.result.get().int ?? 0)
    }
    return count
}
