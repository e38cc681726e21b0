import NIOCore
import StockroomRedis
import XCTest

/// The reply shapes the scripts and stream commands share, without a server.
final class ReplyShapeTests: XCTestCase {
    func testAScriptAnswerSplitsItsStatusFromItsValues() throws {
        let reply = RESPValue.array([.bulkString(ByteBuffer(string: "SOLD")), .integer(4), .bulkString(ByteBuffer(string: "x"))])
        let answer = try ScriptStatusReply(reply, script: "purchase")
        XCTAssertEqual(answer.status, "SOLD")
        XCTAssertEqual(answer.integer(0), 4)
        XCTAssertEqual(answer.string(1), "x")
        XCTAssertNil(answer.integer(2), "past the end is nil, not a crash")
    }

    func testAnAnswerWithoutAStatusIsAProtocolError() {
        for reply in [RESPValue.integer(1), .array([]), .null] {
            XCTAssertThrowsError(try ScriptStatusReply(reply, script: "purchase")) { error in
                XCTAssertEqual((error as? RedisError)?.code, .protocolError)
            }
        }
    }

    func testFieldPairsBecomeADictionary() throws {
        let reply = RESPValue.array(["a", "1", "b", "2", "a", "3"].map { .bulkString(ByteBuffer(string: $0)) })
        XCTAssertEqual(try reply.fieldDictionary(), ["a": "3", "b": "2"])
        XCTAssertEqual(try RESPValue.null.fieldDictionary(), [:])
        XCTAssertThrowsError(try RESPValue.array([.bulkString(ByteBuffer(string: "odd"))]).fieldDictionary())
        XCTAssertThrowsError(try RESPValue.array([.integer(1), .array([])]).fieldDictionary())
    }
}
