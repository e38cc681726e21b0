// Command timeouts: the late command fails with .timeout, the connection is rebuilt.

import NIOCore
import StockroomRedis
import TestSupport
import XCTest

final class TimeoutTests: XCTestCase {
    func testBlockedCommandTimesOutAndConnectionRecovers() async throws {
        let prefix = uniqueKeyPrefix()
        var configuration = try RedisConfiguration(url: try await TestRedis.sharedURL())
        configuration.commandTimeout = .milliseconds(300)
        configuration.reconnectBackoff = Backoff(initial: .milliseconds(10), maximum: .milliseconds(100), multiplier: 2)
        try await withRedisConnection(configuration: configuration) { connection in
            let blocked = connection.send(["BLPOP", prefix + "empty", "10"])
            let behind = connection.send(["PING"])
            do {
                _ = try await blocked.get()
                XCTFail("BLPOP for 10 s must time out after 300 ms")
            } catch let error as RedisError {
                XCTAssertEqual(error.code, .timeout, "\(error)")
            }
            do {
                _ = try await behind.get()
                XCTFail("a command behind a timed-out one can't get its reply any more")
            } catch let error as RedisError {
                XCTAssertTrue([.connectionClosed, .timeout].contains(error.code), "\(error)")
            }
            let pong = try await eventually("PING works again") {
                try await connection.send(["PING"]).get().string
            }
            XCTAssertEqual(pong, "PONG")
        }
    }

    func testPerCallTimeoutOverride() async throws {
        let prefix = uniqueKeyPrefix()
        var configuration = try RedisConfiguration(url: try await TestRedis.sharedURL())
        configuration.commandTimeout = .milliseconds(200)
        try await withRedisConnection(configuration: configuration) { connection in
            // Blocks 0.5 s, longer than the default timeout: nil and a longer timeout both wait.
            let noTimeout = try await connection.send(["BLPOP", prefix + "empty", "0.5"], timeout: nil).get()
            XCTAssertEqual(noTimeout, .null)
            let longer = try await connection.send(["BLPOP", prefix + "empty", "0.5"], timeout: .seconds(30)).get()
            XCTAssertEqual(longer, .null)
            XCTAssertTrue(connection.isConnected)
        }
    }

    func testStalledServerTimesOutThenRecovers() async throws {
        try await withRedisServer(extraArguments: ["--enable-debug-command", "local"]) { server in
            var configuration = try RedisConfiguration(url: server.url)
            configuration.commandTimeout = .milliseconds(300)
            configuration.reconnectBackoff = Backoff(initial: .milliseconds(10), maximum: .milliseconds(200), multiplier: 2)
            try await withRedisConnection(configuration: configuration) { connection in
                do {
                    _ = try await connection.send(["DEBUG", "SLEEP", "2"]).get()
                    XCTFail("DEBUG SLEEP 2 must time out after 300 ms")
                } catch let error as RedisError {
                    XCTAssertEqual(error.code, .timeout, "\(error)")
                }
                // Reconnect handshakes time out too while Redis sleeps, then one succeeds.
                let pong = try await eventually("PING works after the stall") {
                    try await connection.send(["PING"]).get().string
                }
                XCTAssertEqual(pong, "PONG")
                _ = try await connection.send(["SET", "after-stall", "1"]).get()
                let value = try await connection.send(["GET", "after-stall"]).get()
                XCTAssertEqual(value.int, 1)
            }
        }
    }
}
