import Logging
import NIOCore
import StockroomRedis

/// One pipelined Redis connection per event loop, so that a client connection and its Redis
/// connection always share a thread.
public struct RedisConnectionsByLoop: Sendable {
    private let connections: [ObjectIdentifier: RedisConnection]

    /// Connects one Redis connection on every event loop of `group`.
    public static func connect(
        configuration: RedisConfiguration,
        group: any EventLoopGroup,
        logger: Logger
    ) async throws -> RedisConnectionsByLoop {
        var connections: [ObjectIdentifier: RedisConnection] = [:]
        do {
            for loop in group.makeIterator() {
                let connection = try await RedisConnection.connect(
                    configuration: configuration,
                    eventLoop: loop,
                    logger: logger
                ).get()
                connections[ObjectIdentifier(loop)] = connection
            }
        } catch {
            for connection in connections.values { try? await connection.close().get() }
            throw error
        }
        return RedisConnectionsByLoop(connections: connections)
    }

    private init(connections: [ObjectIdentifier: RedisConnection]) {
        self.connections = connections
    }

    public func connection(for loop: any EventLoop) -> RedisConnection {
        guard let connection = connections[ObjectIdentifier(loop)] else {
            preconditionFailure("no Redis connection was made for event loop \(loop)")
        }
        return connection
    }

    /// Any connection, for work that is not bound to a client's loop (start-up, admin).
    public var any: RedisConnection {
        guard let connection = connections.values.first else {
            preconditionFailure("an event loop group has at least one loop")
        }
        return connection
    }

    public func close() async {
        for connection in connections.values { try? await connection.close().get() }
    }
}
