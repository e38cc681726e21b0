// Scopes that give a test keys of its own on the shared test Redis and always remove them.

import StockroomCore
import StockroomRedis

/// Runs `body` with a key prefix of this test's own (`test:<name>:<random>:`) and a connection to the
/// shared test Redis (or `url`), then deletes every key under the prefix, whether `body` returns or
/// throws, so tests can share one Redis side by side.
public func withKeyPrefix<T>(
    url: String? = nil,
    scripts: [RedisScript] = [],
    function: String = #function,
    _ body: (String, RedisConnection) async throws -> T
) async throws -> T {
    let prefix = uniqueKeyPrefix(function)
    let url = if let url { url } else { try await TestRedis.sharedURL() }
    return try await withRedisConnection(url: url, scripts: scripts) { redis in
        do {
            let result = try await body(prefix, redis)
            try await deleteKeys(prefixed: prefix, on: redis)
            return result
        } catch {
            try? await deleteKeys(prefixed: prefix, on: redis)
            throw error
        }
    }
}

/// Runs `body` with a sales store whose key space lives under a prefix of this test's own (see
/// ``withKeyPrefix(url:scripts:function:_:)``), on a connection that knows every data-model script.
public func withTestStore<T>(
    url: String? = nil,
    partitions: Int = 4,
    configure: (inout SalesConfiguration) -> Void = { _ in },
    function: String = #function,
    _ body: (SalesStore, RedisConnection) async throws -> T
) async throws -> T {
    try await withKeyPrefix(url: url, scripts: StockroomScripts.all, function: function) { prefix, redis in
        var configuration = SalesConfiguration()
        configuration.partitions = partitions
        configure(&configuration)
        let store = try await SalesStore.open(
            on: redis, configuration: configuration, prefix: prefix + "stockroom", logger: testLogger()
        ).get()
        return try await body(store, redis)
    }
}

/// A hash's fields, as `HGETALL` shows them; a reply of any other shape fails.
public func hashFields(_ key: String, on redis: RedisConnection) async throws -> [String: String] {
    try await redis.send(["HGETALL", key]).get().fieldDictionary()
}
