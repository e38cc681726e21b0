import Logging
import NIOCore
import ServiceLifecycle
import StockroomCore

/// The sales server as a long-lived `Service`: it serves until graceful shutdown (SIGTERM, SIGINT),
/// then drains its connections.
public struct SalesServerService: Service {
    private let configuration: ServerConfiguration
    private let store: SalesStore
    private let redis: RedisConnectionsByLoop
    private let group: any EventLoopGroup
    private let logger: Logger
    private let onStart: @Sendable (SalesServer) -> Void

    /// - Parameters:
    ///   - onStart: called once the server listens, e.g. to print the address.
    public init(
        configuration: ServerConfiguration,
        store: SalesStore,
        redis: RedisConnectionsByLoop,
        group: any EventLoopGroup,
        logger: Logger,
        onStart: @escaping @Sendable (SalesServer) -> Void = { _ in }
    ) {
        self.configuration = configuration
        self.store = store
        self.redis = redis
        self.group = group
        self.logger = logger
        self.onStart = onStart
    }

    public func run() async throws {
        let server = try await SalesServer.start(
            configuration: configuration, store: store, redis: redis, group: group, logger: logger
        )
        onStart(server)
        // Returns on graceful shutdown, throws on cancellation: drain in both cases.
        try? await gracefulShutdown()
        try await server.shutdown()
    }
}
