// RESP encoding and the hiredis-backed reader, without a server.

import NIOCore
import XCTest

@testable import StockroomRedis

final class RESPCodecTests: XCTestCase {
    func testCommandEncoding() {
        var buffer = ByteBuffer()
        buffer.writeRESPCommand(["SET", "k", "é", ""])
        XCTAssertEqual(String(buffer: buffer), "*4\r\n$3\r\nSET\r\n$1\r\nk\r\n$2\r\né\r\n$0\r\n\r\n")

        buffer.clear()
        let keys = (0..<12).map { "k\($0)" }
        buffer.writeRESPEvalSHA(sha1: "abc", keys: keys, arguments: ["x"])
        let expected =
            "*16\r\n$7\r\nEVALSHA\r\n$3\r\nabc\r\n$2\r\n12\r\n" + keys.map { "$\($0.utf8.count)\r\n\($0)\r\n" }.joined()
            + "$1\r\nx\r\n"
        XCTAssertEqual(String(buffer: buffer), expected)

        buffer.clear()
        buffer.writeRESPDecimal(1_234_567_890)
        buffer.writeRESPDecimal(0)
        XCTAssertEqual(String(buffer: buffer), "12345678900")
    }

    func testReaderHandlesRepliesSplitAtEveryByte() throws {
        let wire = "+OK\r\n-ERR bad\r\n:-42\r\n$5\r\nhe\r\no\r\n$0\r\n\r\n$-1\r\n*-1\r\n*3\r\n*1\r\n:1\r\n*0\r\n$1\r\nx\r\n"
        let expected: [RESPValue] = [
            .simpleString("OK"), .error("ERR bad"), .integer(-42), .bulkString(ByteBuffer(string: "he\r\no")),
            .bulkString(ByteBuffer()), .null, .null,
            .array([.array([.integer(1)]), .array([]), .bulkString(ByteBuffer(string: "x"))]),
        ]
        let reader = RESPReader()
        var replies: [RESPValue] = []
        for byte in wire.utf8 {
            try reader.feed(ByteBuffer(bytes: [byte]))
            while let reply = try reader.next() {
                replies.append(reply)
            }
        }
        XCTAssertEqual(replies, expected)
    }

    func testReaderHandlesLargeBulkInChunks() throws {
        let payload = [UInt8]((0..<(1 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 31) })
        var wire = ByteBuffer(string: "$\(payload.count)\r\n")
        wire.writeBytes(payload)
        wire.writeString("\r\n:7\r\n")
        let reader = RESPReader()
        var replies: [RESPValue] = []
        while wire.readableBytes > 0 {
            let chunk = wire.readSlice(length: min(wire.readableBytes, 1_000))!
            try reader.feed(chunk)
            while let reply = try reader.next() {
                replies.append(reply)
            }
        }
        XCTAssertEqual(replies, [.bulkString(ByteBuffer(bytes: payload)), .integer(7)])
    }

    func testReaderRejectsGarbage() throws {
        let reader = RESPReader()
        try reader.feed(ByteBuffer(string: "?what\r\n"))
        XCTAssertThrowsError(try reader.next()) { error in
            XCTAssertEqual((error as? RedisError)?.code, .protocolError)
        }
    }

    func testAccessors() {
        XCTAssertEqual(RESPValue.bulkString(ByteBuffer(string: "-9223372036854775808")).int, .min)
        XCTAssertEqual(RESPValue.bulkString(ByteBuffer(string: "9223372036854775807")).int, .max)
        XCTAssertNil(RESPValue.bulkString(ByteBuffer(string: "9223372036854775808")).int)
        XCTAssertNil(RESPValue.bulkString(ByteBuffer(string: "12a")).int)
        XCTAssertNil(RESPValue.bulkString(ByteBuffer(string: "-")).int)
        XCTAssertNil(RESPValue.bulkString(ByteBuffer()).int)
        XCTAssertNil(RESPValue.simpleString("1").int)
        XCTAssertEqual(RESPValue.simpleString("OK").string, "OK")
        XCTAssertNil(RESPValue.integer(1).string)
        XCTAssertEqual(RESPValue.array([.null]).array, [.null])
        XCTAssertNil(RESPValue.null.array)
    }
}
