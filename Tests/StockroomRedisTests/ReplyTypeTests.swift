// Every RESP2 reply type, read from a real redis-server.

import NIOCore
import StockroomRedis
import TestSupport
import XCTest

final class ReplyTypeTests: XCTestCase {
    func testSimpleStringAndInteger() async throws {
        let prefix = uniqueKeyPrefix()
        try await withRedisConnection(url: try await TestRedis.sharedURL()) { connection in
            let pong = try await connection.send(["PING"]).get()
            XCTAssertEqual(pong, .simpleString("PONG"))
            XCTAssertEqual(pong.string, "PONG")

            let ok = try await connection.send(["SET", prefix + "n", "41"]).get()
            XCTAssertEqual(ok, .simpleString("OK"))
            let incremented = try await connection.send(["INCR", prefix + "n"]).get()
            XCTAssertEqual(incremented, .integer(42))
            XCTAssertEqual(incremented.int, 42)

            // A number stored as a string comes back as a bulk string; `int` still reads it.
            let bulkNumber = try await connection.send(["GET", prefix + "n"]).get()
            XCTAssertEqual(bulkNumber.int, 42)
            XCTAssertEqual(bulkNumber.string, "42")
            _ = try await connection.send(["DEL", prefix + "n"]).get()
        }
    }

    func testErrorReplyFailsWithRedisText() async throws {
        let prefix = uniqueKeyPrefix()
        try await withRedisConnection(url: try await TestRedis.sharedURL()) { connection in
            do {
                _ = try await connection.send(["NOSUCHCOMMAND", "x"]).get()
                XCTFail("an unknown command must fail")
            } catch let error as RedisError {
                XCTAssertEqual(error.code, .errorReply)
                XCTAssertTrue(error.message.hasPrefix("ERR unknown command"), error.message)
            }

            _ = try await connection.send(["SET", prefix + "s", "text"]).get()
            do {
                _ = try await connection.send(["LPUSH", prefix + "s", "x"]).get()
                XCTFail("LPUSH on a string must fail")
            } catch let error as RedisError {
                XCTAssertEqual(error.code, .errorReply)
                XCTAssertTrue(error.message.hasPrefix("WRONGTYPE"), error.message)
            }

            // The connection is still in step after error replies.
            let value = try await connection.send(["GET", prefix + "s"]).get()
            XCTAssertEqual(value.string, "text")
            _ = try await connection.send(["DEL", prefix + "s"]).get()
        }
    }

    func testBulkStringsAreBinarySafeAndMayBeEmpty() async throws {
        let prefix = uniqueKeyPrefix()
        try await withRedisConnection(url: try await TestRedis.sharedURL()) { connection in
            let tricky = "a\r\nb\0c $3\r\n*1 ünïcødé 🎉"
            _ = try await connection.send(["SET", prefix + "tricky", tricky]).get()
            let back = try await connection.send(["GET", prefix + "tricky"]).get()
            XCTAssertEqual(back, .bulkString(ByteBuffer(string: tricky)))
            XCTAssertEqual(back.string, tricky)

            _ = try await connection.send(["SET", prefix + "empty", ""]).get()
            let empty = try await connection.send(["GET", prefix + "empty"]).get()
            XCTAssertEqual(empty, .bulkString(ByteBuffer()))
            XCTAssertEqual(empty.string, "")

            // Bytes that are not UTF-8 arrive unchanged.
            let raw = try await connection.send(["EVAL", "return string.char(0, 255, 13, 10, 128)", "0"]).get()
            XCTAssertEqual(raw.bytes.map { Array($0.readableBytesView) }, [0, 255, 13, 10, 128])
            _ = try await connection.send(["DEL", prefix + "tricky", prefix + "empty"]).get()
        }
    }

    func testNullReplies() async throws {
        let prefix = uniqueKeyPrefix()
        try await withRedisConnection(url: try await TestRedis.sharedURL()) { connection in
            let missing = try await connection.send(["GET", prefix + "missing"]).get()
            XCTAssertEqual(missing, .null)
            XCTAssertTrue(missing.isNull)
            XCTAssertNil(missing.string)
            // A null array (*-1) is null too.
            let timedOutPop = try await connection.send(["BLPOP", prefix + "missing", "0.01"]).get()
            XCTAssertEqual(timedOutPop, .null)
        }
    }

    func testNestedArrays() async throws {
        try await withRedisConnection(url: try await TestRedis.sharedURL()) { connection in
            let script = "return {1, {2, {'three', {}}}, 'x', redis.error_reply('MYERR boom'), redis.status_reply('FINE')}"
            let nested = try await connection.send(["EVAL", script, "0"]).get()
            XCTAssertEqual(
                nested,
                .array([
                    .integer(1),
                    .array([.integer(2), .array([.bulkString(ByteBuffer(string: "three")), .array([])])]),
                    .bulkString(ByteBuffer(string: "x")),
                    .error("MYERR boom"),
                    .simpleString("FINE"),
                ])
            )
            XCTAssertEqual(nested.array?.count, 5)
            XCTAssertEqual(nested.array?[1].array?[1].array?[0].string, "three")
        }
    }

    func testLargeBulkReplyArrivesWhole() async throws {
        let prefix = uniqueKeyPrefix()
        // 1 MiB is far more than one TCP read (NIO reads at most 64 KiB at a time).
        var large = ""
        large.reserveCapacity(1 << 20)
        for index in 0..<(1 << 20) {
            large.unicodeScalars.append(Unicode.Scalar(UInt8(97 + index % 26)))
        }
        try await withRedisConnection(url: try await TestRedis.sharedURL()) { connection in
            _ = try await connection.send(["SET", prefix + "large", large]).get()
            let back = try await connection.send(["GET", prefix + "large"]).get()
            XCTAssertEqual(back.bytes?.readableBytes, 1 << 20)
            XCTAssertTrue(back.string == large, "1 MiB value came back altered")
            // Replies behind the large one are still matched correctly.
            let strlen = try await connection.send(["STRLEN", prefix + "large"]).get()
            XCTAssertEqual(strlen, .integer(1 << 20))
            _ = try await connection.send(["DEL", prefix + "large"]).get()
        }
    }

    func testEmptyCommandFailsWithoutBreakingTheConnection() async throws {
        try await withRedisConnection(url: try await TestRedis.sharedURL()) { connection in
            do {
                _ = try await connection.send([]).get()
                XCTFail("an empty command must fail")
            } catch let error as RedisError {
                XCTAssertEqual(error.code, .protocolError)
            }
            let pong = try await connection.send(["PING"]).get()
            XCTAssertEqual(pong.string, "PONG")
        }
    }
}
