import Logging
import NIOCore
import NIOPosix
import StockroomCore
import StockroomRedis
import TestSupport
import XCTest

/// Runs `body` with a store whose keys all start with a prefix of this test's own, on the shared
/// test Redis, and deletes those keys afterwards.
func withStore<T>(
    partitions: Int = 4,
    configure: (inout SalesConfiguration) -> Void = { _ in },
    _ body: (SalesStore, RedisConnection) async throws -> T,
    function: String = #function
) async throws -> T {
    let prefix = uniqueKeyPrefix(function) + "stockroom"
    return try await withRedisConnection(url: try await TestRedis.sharedURL(), scripts: StockroomScripts.all) { redis in
        var configuration = SalesConfiguration()
        configuration.partitions = partitions
        configure(&configuration)
        let store = try await SalesStore.open(
            on: redis, configuration: configuration, prefix: prefix, logger: Logger(label: "test")
        ).get()
        do {
            let result = try await body(store, redis)
            try await deleteKeys(prefixed: prefix, on: redis)
            return result
        } catch {
            try? await deleteKeys(prefixed: prefix, on: redis)
            throw error
        }
    }
}

/// The entries of a stream as flat field dictionaries, oldest first.
func streamEntries(_ key: String, on redis: RedisConnection) async throws -> [[String: String]] {
    let reply = try await redis.send(["XRANGE", key, "-", "+"]).get()
    return try (reply.array ?? []).map { entry in try (entry.array?[1] ?? .null).fieldDictionary() }
}

/// A hash's fields, as `HGETALL` shows them.
func hashFields(_ key: String, on redis: RedisConnection) async throws -> [String: String] {
    try await redis.send(["HGETALL", key]).get().fieldDictionary()
}

/// Asserts that `operation` fails with a `SalesError` of `code`.
func XCTAssertSalesError<T>(
    _ code: SalesError.Code,
    _ operation: @autoclosure () async throws -> T,
    file: StaticString = #filePath,
    line: UInt = #line
) async {
    do {
        let value = try await operation()
        XCTFail("expected \(code), got \(value)", file: file, line: line)
    } catch let error as SalesError {
        XCTAssertEqual(error.code, code, "\(error)", file: file, line: line)
    } catch {
        XCTFail("expected SalesError \(code), got \(error)", file: file, line: line)
    }
}
