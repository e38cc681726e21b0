import Foundation
import Logging
import NIOPosix
import StockroomEmbeddedRedis

/// Runs `body` with a resource and always releases it, whether `body` returns or throws.
public func withResource<Resource, Result>(
    acquire: () async throws -> Resource,
    release: (Resource) async -> Void,
    _ body: (Resource) async throws -> Result
) async throws -> Result {
    let resource = try await acquire()
    do {
        let result = try await body(resource)
        await release(resource)
        return result
    } catch {
        await release(resource)
        throw error
    }
}

/// An event loop group of `threads` threads, shut down afterwards.
public func withEventLoopGroup<Result>(
    threads: Int,
    _ body: (MultiThreadedEventLoopGroup) async throws -> Result
) async throws -> Result {
    try await withResource(
        acquire: { MultiThreadedEventLoopGroup(numberOfThreads: threads) },
        release: { try? await $0.shutdownGracefully() },
        body
    )
}

/// The Redis to use: `url` when given, else a private redis-server keeping its data in
/// `dataDirectory` with the append-only file forced to disk as `durability` says, stopped afterwards.
/// `body` gets the URL.
func withRedisURL<Result>(
    _ url: String?,
    dataDirectory: String,
    durability: Durability,
    logger: Logger,
    _ body: (String) async throws -> Result
) async throws -> Result {
    if let url { return try await body(url) }
    return try await withResource(
        acquire: {
            let server = try await RedisServerProcess.start(dataDirectory: dataDirectory, extraArguments: durability.redisArguments)
            logger.info(
                "started an embedded Redis",
                metadata: ["sr.redis": "\(server.url)", "sr.data": "\(dataDirectory)", "sr.durability": "\(durability.rawValue)"]
            )
            return server
        },
        release: { await $0.stop() },
        { server in try await body(server.url) }
    )
}
