// evalScript: preloaded and first-use scripts, NOSCRIPT recovery, script errors.

import NIOCore
import StockroomRedis
import TestSupport
import XCTest

final class ScriptTests: XCTestCase {
    static let incrementBy = RedisScript(
        name: "incrementBy",
        source: "return redis.call('INCRBY', KEYS[1], ARGV[1])"
    )
    static let echoAll = RedisScript(
        name: "echoAll",
        source: "local out = {} for i, k in ipairs(KEYS) do out[#out + 1] = k end for i, a in ipairs(ARGV) do out[#out + 1] = a end return out"
    )

    func testSHA1MatchesKnownVectorsAndRedis() async throws {
        XCTAssertEqual(RedisScript(name: "empty", source: "").sha1, "da39a3ee5e6b4b0d3255bfef95601890afd80709")
        XCTAssertEqual(RedisScript(name: "abc", source: "abc").sha1, "a9993e364706816aba3e25717850c26c9cd0d89d")
        XCTAssertEqual(
            RedisScript(name: "two blocks", source: "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq").sha1,
            "84983e441c3bd26ebaae4aa1f95129e5e54670f1"
        )
        let long = RedisScript(name: "long", source: String(repeating: "return 'ü' -- ", count: 500))
        try await withRedisConnection(url: try await TestRedis.sharedURL()) { connection in
            for script in [Self.incrementBy, Self.echoAll, long] {
                let sha = try await connection.send(["SCRIPT", "LOAD", script.source]).get()
                XCTAssertEqual(sha.string, script.sha1, script.name)
            }
        }
    }

    func testPreloadedScript() async throws {
        let prefix = uniqueKeyPrefix()
        try await withRedisConnection(url: try await TestRedis.sharedURL(), scripts: [Self.incrementBy]) { connection in
            let first = try await connection.evalScript(Self.incrementBy, keys: [prefix + "n"], arguments: ["5"]).get()
            XCTAssertEqual(first, .integer(5))
            let second = try await connection.evalScript(Self.incrementBy, keys: [prefix + "n"], arguments: ["7"]).get()
            XCTAssertEqual(second, .integer(12))
            _ = try await connection.send(["DEL", prefix + "n"]).get()
        }
    }

    func testScriptNotInConfigurationIsLoadedOnFirstUse() async throws {
        let prefix = uniqueKeyPrefix()
        let unique = RedisScript(name: "unique", source: "return {KEYS[1], ARGV[1], '\(prefix)'}")
        try await withRedisConnection(url: try await TestRedis.sharedURL()) { connection in
            let futures = (0..<50).map { index in
                connection.evalScript(unique, keys: ["k\(index)"], arguments: ["a\(index)"])
            }
            for (index, future) in futures.enumerated() {
                let reply = try await future.get()
                XCTAssertEqual(reply.array?.compactMap(\.string), ["k\(index)", "a\(index)", prefix])
            }
            let echoed = try await connection.evalScript(Self.echoAll, keys: ["k1", "k2"], arguments: ["a1", ""]).get()
            XCTAssertEqual(echoed.array?.compactMap(\.string), ["k1", "k2", "a1", ""])
        }
    }

    func testNOSCRIPTAfterScriptFlushIsRecoveredTransparently() async throws {
        // A private server: SCRIPT FLUSH would disturb other tests sharing a Redis.
        try await withRedisServer { server in
            try await withRedisConnection(url: server.url, scripts: [Self.incrementBy]) { connection in
                let before = try await connection.evalScript(Self.incrementBy, keys: ["n"], arguments: ["1"]).get()
                XCTAssertEqual(before, .integer(1))

                _ = try await connection.send(["SCRIPT", "FLUSH"]).get()
                let exists = try await connection.send(["SCRIPT", "EXISTS", Self.incrementBy.sha1]).get()
                XCTAssertEqual(exists, .array([.integer(0)]), "the flush must really have dropped the script")

                let after = try await connection.evalScript(Self.incrementBy, keys: ["n"], arguments: ["10"]).get()
                XCTAssertEqual(after, .integer(11))

                // Many in flight at once when the script vanishes: every one is retried.
                _ = try await connection.send(["SCRIPT", "FLUSH"]).get()
                let futures = (0..<200).map { _ in
                    connection.evalScript(Self.incrementBy, keys: ["n"], arguments: ["1"])
                }
                var results: [Int64] = []
                for future in futures {
                    results.append(try await future.get().int ?? -1)
                }
                XCTAssertEqual(results.sorted(), Array(12...211))
            }
        }
    }

    func testScriptErrors() async throws {
        let broken = RedisScript(name: "broken", source: "return (")
        let failing = RedisScript(name: "failing", source: "return redis.error_reply('MYERR out of stock')")
        try await withRedisConnection(url: try await TestRedis.sharedURL()) { connection in
            do {
                _ = try await connection.evalScript(broken, keys: [], arguments: []).get()
                XCTFail("a script that doesn't compile must fail")
            } catch let error as RedisError {
                XCTAssertEqual(error.code, .errorReply)
                XCTAssertTrue(error.message.contains("SCRIPT LOAD of script 'broken' failed"), error.message)
                XCTAssertTrue(error.message.contains("compiling"), error.message)
            }
            do {
                _ = try await connection.evalScript(failing, keys: [], arguments: []).get()
                XCTFail("an error reply from a script must fail")
            } catch let error as RedisError {
                XCTAssertEqual(error.code, .errorReply)
                XCTAssertEqual(error.message, "MYERR out of stock")
            }
            // Still usable, and still in step.
            let echoed = try await connection.evalScript(Self.echoAll, keys: ["x"], arguments: []).get()
            XCTAssertEqual(echoed.array?.compactMap(\.string), ["x"])
        }
    }
}
