import StockroomRedis

/// Deletes every key that starts with `prefix`, so a test leaves the shared Redis as it found it.
public func deleteKeys(prefixed prefix: String, on redis: RedisConnection) async throws {
    var cursor = "0"
    repeat {
        let reply = try await redis.send(["SCAN", cursor, "MATCH", prefix + "*", "COUNT", "1000"]).get()
        guard let parts = reply.array, parts.count == 2, let next = parts[0].string, let keys = parts[1].array else {
            throw RedisError(.protocolError, "unexpected SCAN reply \(reply)")
        }
        let names = keys.compactMap(\.string)
        if !names.isEmpty { _ = try await redis.send(["UNLINK"] + names).get() }
        cursor = next
    } while cursor != "0"
}

/// Counts the keys that start with `prefix`.
public func countKeys(prefixed prefix: String, on redis: RedisConnection) async throws -> Int {
    let reply = try await redis.send(["EVAL", "return #redis.call('KEYS', ARGV[1])", "0", prefix + "*"]).get()
    return Int(reply.int ?? -1)
}
