// The cluster spec's key hashing and which argument of a command is its routing key.

import XCTest

@testable import StockroomRedis

final class HashSlotTests: XCTestCase {
    func testCRC16MatchesTheSpecsVector() {
        XCTAssertEqual(HashSlot.crc16(Array("123456789".utf8)), 0x31C3)
        XCTAssertEqual(HashSlot.of(key: "123456789"), 0x31C3 % 16384)
    }

    func testSlotsRedisItselfReports() {
        // CLUSTER KEYSLOT on Redis 7.0.
        XCTAssertEqual(HashSlot.of(key: "foo"), 12182)
        XCTAssertEqual(HashSlot.of(key: "bar"), 5061)
        XCTAssertEqual(HashSlot.of(key: ""), 0)
    }

    func testHashTags() {
        XCTAssertEqual(HashSlot.of(key: "{user1000}.following"), HashSlot.of(key: "{user1000}.followers"))
        XCTAssertEqual(HashSlot.of(key: "{user1000}.following"), HashSlot.of(key: "user1000"))
        // An empty tag hashes the whole key.
        XCTAssertEqual(HashSlot.of(key: "foo{}{bar}"), Int(HashSlot.crc16(Array("foo{}{bar}".utf8)) % 16384))
        // The first '}' after the first '{' closes the tag.
        XCTAssertEqual(HashSlot.of(key: "foo{{bar}}zap"), HashSlot.of(key: "{bar"))
        XCTAssertEqual(HashSlot.of(key: "foo{{bar}}zap"), Int(HashSlot.crc16(Array("{bar".utf8)) % 16384))
        XCTAssertEqual(HashSlot.of(key: "foo{bar}{zap}"), HashSlot.of(key: "bar"))
        // No closing brace: the whole key.
        XCTAssertEqual(HashSlot.of(key: "foo{bar"), Int(HashSlot.crc16(Array("foo{bar".utf8)) % 16384))
        // Stockroom's partition tags: every key of a partition shares its slot.
        XCTAssertEqual(HashSlot.of(key: "stockroom:{p7}:sku:A"), HashSlot.of(key: "stockroom:{p7}:stream:sales"))
    }

    func testCommandKeys() {
        XCTAssertEqual(CommandKey.of(["GET", "k"]), "k")
        XCTAssertEqual(CommandKey.of(["hset", "k", "f", "v"]), "k")
        XCTAssertEqual(CommandKey.of(["XINFO", "GROUPS", "s"]), "s")
        XCTAssertEqual(CommandKey.of(["XGROUP", "CREATE", "s", "g", "0", "MKSTREAM"]), "s")
        XCTAssertEqual(CommandKey.of(["EVALSHA", "abc", "2", "k1", "k2", "a"]), "k1")
        XCTAssertNil(CommandKey.of(["EVAL", "return 1", "0", "a"]))
        XCTAssertEqual(
            CommandKey.of(["XREADGROUP", "GROUP", "g", "c", "COUNT", "10", "BLOCK", "5", "STREAMS", "s1", "s2", ">", ">"]), "s1"
        )
        XCTAssertEqual(CommandKey.of(["XREAD", "streams", "s", "0"]), "s")
        for keyless in [["PING"], ["INFO", "cluster"], ["TIME"], ["CLUSTER", "SHARDS"], ["CONFIG", "GET", "x"], ["SCRIPT", "LOAD", "s"],
            ["WAIT", "1", "0"], ["DBSIZE"], ["FLUSHALL"], ["SCAN", "0"]]
        {
            XCTAssertNil(CommandKey.of(keyless), "\(keyless)")
        }
        XCTAssertNil(CommandKey.of(["GET"]), "a command too short to name its key")
    }
}
