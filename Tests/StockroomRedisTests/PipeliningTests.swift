// Many commands in flight on one connection; replies matched in order.

import NIOCore
import StockroomRedis
import TestSupport
import XCTest

final class PipeliningTests: XCTestCase {
    func testTenThousandINCRsFromAnotherThread() async throws {
        let prefix = uniqueKeyPrefix()
        try await withRedisConnection(url: try await TestRedis.sharedURL()) { connection in
            let futures = (0..<10_000).map { _ in connection.send(["INCR", prefix + "counter"]) }
            var expected: Int64 = 1
            for future in futures {
                let value = try await future.get()
                XCTAssertEqual(value, .integer(expected))
                expected += 1
            }
            XCTAssertEqual(expected, 10_001)
            _ = try await connection.send(["DEL", prefix + "counter"]).get()
        }
    }

    func testTenThousandINCRsFromTheEventLoop() async throws {
        let prefix = uniqueKeyPrefix()
        try await withRedisConnection(url: try await TestRedis.sharedURL()) { connection in
            let values = try await connection.eventLoop.flatSubmit {
                let futures = (0..<10_000).map { _ in connection.send(["INCR", prefix + "counter"]) }
                return EventLoopFuture.whenAllSucceed(futures, on: connection.eventLoop)
            }.get()
            XCTAssertEqual(values, (1...10_000).map { RESPValue.integer(Int64($0)) })
            _ = try await connection.send(["DEL", prefix + "counter"]).get()
        }
    }

    func testMixedRepliesStayMatched() async throws {
        let prefix = uniqueKeyPrefix()
        try await withRedisConnection(url: try await TestRedis.sharedURL()) { connection in
            var futures: [EventLoopFuture<RESPValue>] = []
            for index in 0..<1_000 {
                futures.append(connection.send(["SET", prefix + "k\(index)", "v\(index)"]))
                futures.append(connection.send(["NOSUCHCOMMAND"]))
                futures.append(connection.send(["GET", prefix + "k\(index)"]))
            }
            for index in 0..<1_000 {
                let set = try await futures[3 * index].get()
                XCTAssertEqual(set, .simpleString("OK"))
                do {
                    _ = try await futures[3 * index + 1].get()
                    XCTFail("unknown command must fail")
                } catch let error as RedisError {
                    XCTAssertEqual(error.code, .errorReply)
                }
                let get = try await futures[3 * index + 2].get()
                XCTAssertEqual(get.string, "v\(index)")
            }
            _ = try await connection.send(["DEL"] + (0..<1_000).map { prefix + "k\($0)" }).get()
        }
    }
}
