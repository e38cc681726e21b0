// Redis crashing and coming back: fail fast while it is down, recover without a new connection.

import NIOCore
import StockroomRedis
import TestSupport
import XCTest

final class RestartTests: XCTestCase {
    static let script = RedisScript(name: "setAndGet", source: "redis.call('SET', KEYS[1], ARGV[1]) return redis.call('GET', KEYS[1])")

    /// Sends a BLPOP that never returns and waits until Redis reports it blocked, so that it is
    /// certainly in flight (a PING behind it on the same connection would wait for it).
    private func blockForever(_ connection: RedisConnection, server: RedisServerProcess) async throws -> EventLoopFuture<RESPValue> {
        let blocked = connection.send(["BLPOP", "never-pushed", "0"], timeout: nil)
        try await withRedisConnection(url: server.url) { observer in
            try await eventually("BLPOP is blocked in Redis") {
                let info = try await observer.send(["INFO", "clients"]).get().string ?? ""
                return info.contains("blocked_clients:1") ? true : nil
            }
        }
        return blocked
    }

    func testKillAndRestart() async throws {
        try await withRedisServer { server in
            var configuration = try RedisConfiguration(url: server.url)
            configuration.scripts = [Self.script]
            // Long enough that a hang would show up as .timeout rather than the expected codes.
            configuration.commandTimeout = .seconds(60)
            configuration.reconnectBackoff = Backoff(initial: .milliseconds(10), maximum: .milliseconds(200), multiplier: 2)
            try await withRedisConnection(configuration: configuration) { connection in
                let before = try await connection.evalScript(Self.script, keys: ["k"], arguments: ["before"]).get()
                XCTAssertEqual(before.string, "before")
                XCTAssertTrue(connection.isConnected)

                let inFlight = try await self.blockForever(connection, server: server)
                await server.kill()

                do {
                    _ = try await inFlight.get()
                    XCTFail("a command in flight during the crash must fail")
                } catch let error as RedisError {
                    XCTAssertEqual(error.code, .connectionClosed, "\(error)")
                }

                // Next commands fail fast, never hang.
                do {
                    _ = try await connection.send(["PING"]).get()
                    XCTFail("Redis is down: PING must fail")
                } catch let error as RedisError {
                    XCTAssertTrue([.notConnected, .connectionClosed].contains(error.code), "\(error)")
                }
                try await eventually("isConnected turns false") { connection.isConnected ? nil : true }
                do {
                    _ = try await connection.evalScript(Self.script, keys: ["k"], arguments: ["down"]).get()
                    XCTFail("Redis is down: evalScript must fail")
                } catch let error as RedisError {
                    XCTAssertEqual(error.code, .notConnected, "\(error)")
                }

                try await server.restart()

                // The same RedisConnection comes back by itself.
                let pong = try await eventually("PING works after restart") {
                    try await connection.send(["PING"]).get().string
                }
                XCTAssertEqual(pong, "PONG")
                XCTAssertTrue(connection.isConnected)

                // The restarted Redis had no scripts: the handshake loaded them again.
                let exists = try await connection.send(["SCRIPT", "EXISTS", Self.script.sha1]).get()
                XCTAssertEqual(exists, .array([.integer(1)]))
                let after = try await connection.evalScript(Self.script, keys: ["k"], arguments: ["after"]).get()
                XCTAssertEqual(after.string, "after")
                let firstUse = RedisScript(name: "firstUse", source: "return 'fresh'")
                let fresh = try await connection.evalScript(firstUse, keys: [], arguments: []).get()
                XCTAssertEqual(fresh.string, "fresh")
            }
        }
    }

    func testCloseFailsInFlightAndStopsReconnecting() async throws {
        try await withRedisServer { server in
            var configuration = try RedisConfiguration(url: server.url)
            configuration.commandTimeout = .seconds(60)
            let connection = try await RedisConnection.connect(
                configuration: configuration,
                eventLoop: testEventLoop(),
                logger: testLogger()
            ).get()
            let inFlight: EventLoopFuture<RESPValue>
            do {
                inFlight = try await self.blockForever(connection, server: server)
            } catch {
                try? await connection.close().get()
                throw error
            }
            try await connection.close().get()
            do {
                _ = try await inFlight.get()
                XCTFail("close must fail commands in flight")
            } catch let error as RedisError {
                XCTAssertEqual(error.code, .closed)
            }
            do {
                _ = try await connection.send(["PING"]).get()
                XCTFail("a closed connection must refuse commands")
            } catch let error as RedisError {
                XCTAssertEqual(error.code, .closed)
            }
            XCTAssertFalse(connection.isConnected)
            try await connection.close().get()  // idempotent
        }
    }
}
