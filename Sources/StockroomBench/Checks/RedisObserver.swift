import Logging
import NIOCore
import StockroomCore
import StockroomRedis

/// The harness's own connection to the Redis under test, beside the load: it reads the durability
/// setting for the report and measures memory for `--memory`.
public struct RedisObserver: Sendable {
    public static let quietLogger = Logger(label: "stockroom.bench", factory: { _ in SwiftLogNoOpLogHandler() })

    public let configuration: RedisConfiguration
    public let connection: RedisConnection
    /// The key space the server recorded (`KeySpace.recorded`).
    public let keys: KeySpace

    /// Runs `body` with an observer of the Redis at `url`, closed afterwards whatever happens.
    public static func with<Result>(
        url: String,
        group: any EventLoopGroup,
        _ body: (RedisObserver) async throws -> Result
    ) async throws -> Result {
        let observer = try await open(url: url, group: group)
        do {
            let result = try await body(observer)
            await observer.close()
            return result
        } catch {
            await observer.close()
            throw error
        }
    }

    public static func open(url: String, group: any EventLoopGroup) async throws -> RedisObserver {
        let configuration = try RedisConfiguration(url: url)
        let connection = try await RedisConnection.connect(configuration: configuration, eventLoop: group.next(), logger: quietLogger).get()
        do {
            return RedisObserver(configuration: configuration, connection: connection, keys: try await KeySpace.recorded(on: connection))
        } catch {
            _ = try? await connection.close().get()
            throw error
        }
    }

    /// `always`, `everysec` or `no` (Redis's `appendfsync`) with an append-only file, `none` without;
    /// nil when Redis will not say (CONFIG renamed or forbidden, as managed services do).
    public func durability() async -> String? {
        guard let appendOnly = try? await setting("appendonly") else { return nil }
        guard appendOnly == "yes" else { return "none" }
        return try? await setting("appendfsync")
    }

    public var cpu: RedisCPU { RedisCPU(connection: connection) }

    public func memoryProbe(settleTimeout: Duration) -> MemoryProbe {
        MemoryProbe(redis: connection, keys: keys, settleTimeout: settleTimeout)
    }

    public func close() async {
        _ = try? await connection.close().get()
    }

    private func setting(_ name: String) async throws -> String? {
        let reply = try await connection.send(["CONFIG", "GET", name]).get()
        return reply.array?.dropFirst().first?.string
    }
}
