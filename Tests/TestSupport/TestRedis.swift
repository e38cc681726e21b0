// TestRedis: the Redis that ordinary tests share, and helpers to run code against it.

import Foundation
import Logging
import NIOCore
import NIOPosix
@_exported import StockroomEmbeddedRedis
import StockroomRedis

public enum TestRedis {
    /// `STOCKROOM_TEST_REDIS` if set (ops/test sets it); otherwise one private redis-server,
    /// started on first use and shared by the whole test process.
    public static func sharedURL() async throws -> String {
        if let url = ProcessInfo.processInfo.environment["STOCKROOM_TEST_REDIS"], !url.isEmpty {
            return url
        }
        return try await sharedServer.value().url
    }

    private static let sharedServer = StartedOnce { try await RedisServerProcess.start() }
}

/// Starts a private server for `body` and always stops it afterwards.
@discardableResult
public func withRedisServer<T>(
    extraArguments: [String] = [],
    _ body: (RedisServerProcess) async throws -> T
) async throws -> T {
    let server = try await RedisServerProcess.start(extraArguments: extraArguments)
    do {
        let result = try await body(server)
        await server.stop()
        return result
    } catch {
        await server.stop()
        throw error
    }
}

/// Connects to `url` on a `MultiThreadedEventLoopGroup.singleton` loop and always closes afterwards.
@discardableResult
public func withRedisConnection<T>(
    url: String,
    scripts: [RedisScript] = [],
    _ body: (RedisConnection) async throws -> T
) async throws -> T {
    var configuration = try RedisConfiguration(url: url)
    configuration.scripts = scripts
    return try await withRedisConnection(configuration: configuration, body)
}

@discardableResult
public func withRedisConnection<T>(
    configuration: RedisConfiguration,
    _ body: (RedisConnection) async throws -> T
) async throws -> T {
    let connection = try await RedisConnection.connect(
        configuration: configuration,
        eventLoop: testEventLoop(),
        logger: testLogger()
    ).get()
    do {
        let result = try await body(connection)
        try? await connection.close().get()
        return result
    } catch {
        try? await connection.close().get()
        throw error
    }
}

/// An event loop of `MultiThreadedEventLoopGroup.singleton`, so tests need not import NIOPosix.
public func testEventLoop() -> any EventLoop {
    MultiThreadedEventLoopGroup.singleton.next()
}

/// A logger for tests: warnings and worse by default, `STOCKROOM_TEST_LOG_LEVEL=debug` for more.
public func testLogger(_ label: String = "stockroom.test") -> Logger {
    var logger = Logger(label: label)
    let level = ProcessInfo.processInfo.environment["STOCKROOM_TEST_LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:))
    logger.logLevel = level ?? .warning
    return logger
}
