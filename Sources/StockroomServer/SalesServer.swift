import Logging
import NIOCore
import NIOExtras
import NIOPosix
import StockroomCore
import StockroomTLS
import StockroomWire

/// The binary-protocol server: accepts connections and gives each a sales handler.
public final class SalesServer: Sendable {
    /// The address the server listens on, with the real port when 0 was asked for.
    public let localAddress: SocketAddress
    /// The credentials in force; `reloadCredentials` replaces them.
    public let access: ServerAccess
    private let serverChannel: any Channel
    private let quiescing: ServerQuiescingHelper
    private let logger: Logger

    private init(serverChannel: any Channel, access: ServerAccess, quiescing: ServerQuiescingHelper, logger: Logger) {
        self.serverChannel = serverChannel
        self.access = access
        self.localAddress = serverChannel.localAddress!
        self.quiescing = quiescing
        self.logger = logger
    }

    /// Binds and starts serving.
    ///
    /// - Parameters:
    ///   - redis: one connection per loop of `group`; each client uses its own loop's.
    ///   - access: the credentials, when another port shares them; else made from `configuration`.
    public static func start(
        configuration: ServerConfiguration,
        store: SalesStore,
        redis: RedisConnectionsByLoop,
        group: any EventLoopGroup,
        access: ServerAccess? = nil,
        logger: Logger
    ) async throws -> SalesServer {
        let quiescing = ServerQuiescingHelper(group: group)
        let tlsContext = try configuration.tls.map { try TLSContext(configuration: $0, role: .server) }
        let metrics = SalesMetrics()
        let limits = configuration.limits
        let access = access ?? ServerAccess(credentials: configuration.credentials)
        let admission = ConnectionAdmission(maxConnections: limits.maxConnections, logger: logger)
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .serverChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    // Out of file descriptors, accept fails at once again: back off instead of spinning a core.
                    try channel.pipeline.syncOperations.addHandler(AcceptBackoffHandler())
                    try channel.pipeline.syncOperations.addHandler(quiescing.makeServerChannelHandler(channel: channel))
                }
            }
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelOption(
                .writeBufferWaterMark, value: .init(low: limits.lowWaterMark, high: limits.highWaterMark)
            )
            .childChannelInitializer { channel in
                guard admission.admit(channel) else {
                    return channel.close()
                }
                return channel.eventLoop.makeCompletedFuture {
                    let backend = SalesBackend(store: store, redis: redis.connection(for: channel.eventLoop), metrics: metrics)
                    var connectionLogger = logger
                    connectionLogger[metadataKey: "sr.peer"] = "\(channel.remoteAddress.map { "\($0)" } ?? "?")"
                    // The throttle counts failures per host, whatever the source port.
                    let peer = channel.remoteAddress?.ipAddress ?? "?"
                    let sync = channel.pipeline.syncOperations
                    if let tlsContext {
                        try sync.addHandler(OpenSSLHandler.server(context: tlsContext))
                    }
                    let reading = FrameReading(maxFrameLength: configuration.maxFrameLength)
                    try sync.addHandler(ByteToMessageHandler(FrameDecoder(reading: reading)))
                    try sync.addHandler(MessageToByteHandler(ResponseEncoder()))
                    try sync.addHandler(
                        SalesConnectionHandler(
                            configuration: configuration, access: access, peer: peer, reading: reading, backend: backend,
                            logger: connectionLogger
                        )
                    )
                }
            }
        let channel = try await bootstrap.bind(host: configuration.host, port: configuration.port).get()
        let server = SalesServer(serverChannel: channel, access: access, quiescing: quiescing, logger: logger)
        logger.info("serving the binary protocol", metadata: [
            "sr.listen": "\(server.localAddress)", "sr.tls": "\(tlsContext != nil)",
            "sr.auth": "\(configuration.credentials.authenticationRequired)",
        ])
        return server
    }

    /// Stops accepting, lets every connection finish its requests in flight, then closes them.
    public func shutdown() async throws {
        logger.info("draining connections")
        let done = serverChannel.eventLoop.makePromise(of: Void.self)
        quiescing.initiateShutdown(promise: done)
        try await done.futureResult.get()
        logger.info("all connections closed")
    }
}
