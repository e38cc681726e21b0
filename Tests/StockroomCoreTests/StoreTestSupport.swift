import Logging
import NIOCore
import NIOPosix
import StockroomCore
import StockroomRedis
import TestSupport
import XCTest

/// ``withTestStore(partitions:configure:function:_:)`` under the name these tests have always used.
func withStore<T>(
    partitions: Int = 4,
    configure: (inout SalesConfiguration) -> Void = { _ in },
    _ body: (SalesStore, RedisConnection) async throws -> T,
    function: String = #function
) async throws -> T {
    try await withTestStore(partitions: partitions, configure: configure, function: function, body)
}

/// The entries of a stream as flat field dictionaries, oldest first.
func streamEntries(_ key: String, on redis: RedisConnection) async throws -> [[String: String]] {
    let reply = try await redis.send(["XRANGE", key, "-", "+"]).get()
    return try (reply.array ?? []).map { entry in try (entry.array?[1] ?? .null).fieldDictionary() }
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
