import Logging
import NIOCore
import NIOExtras
import NIOPosix
import StockroomCore
import StockroomTLS
import StockroomWire

/// The binary-protocol server: accepts connections on a plaintext listener, a TLS listener or both,
/// and gives each a sales handler. Both listeners share the limits, the credentials and the drain.
public final class SalesServer: Sendable {
    /// The plaintext listener's address (the TLS one's when there is no plaintext listener), with the
    /// real port when 0 was asked for.
    public let localAddress: SocketAddress
    /// The TLS listener's address, when there is one.
    public let tlsAddress: SocketAddress?
    /// The credentials in force; reload them through `access.credentials`.
    public let access: ServerAccess
    private let serverChannels: [any Channel]
    private let tlsContext: ReloadableTLSContext?
    private let quiescing: ServerQuiescingHelper
    private let logger: Logger

    private init(
        plaintext: (any Channel)?,
        tls: (any Channel)?,
        tlsContext: ReloadableTLSContext?,
        access: ServerAccess,
        quiescing: ServerQuiescingHelper,
        logger: Logger
    ) {
        self.serverChannels = [plaintext, tls].compactMap { $0 }
        self.localAddress = (plaintext ?? tls)!.localAddress!
        self.tlsAddress = tls?.localAddress
        self.tlsContext = tlsContext
        self.access = access
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
        guard configuration.listen != nil || configuration.tlsListen != nil else {
            throw TLSError(.configuration, "the server needs a plaintext or a TLS listener")
        }
        if configuration.tlsListen != nil, configuration.tls == nil {
            throw TLSError(.configuration, "a TLS listener needs a certificate and a key")
        }
        let quiescing = ServerQuiescingHelper(group: group)
        let tlsContext = try configuration.tlsListen.flatMap { _ in configuration.tls }.map { try ReloadableTLSContext(configuration: $0) }
        let limits = configuration.limits
        let access = access ?? ServerAccess(credentials: configuration.credentials)
        let admission = ConnectionAdmission(maxConnections: limits.maxConnections, logger: logger)
        let settings = ConnectionSettings(configuration: configuration, access: access)
        let backends = SalesBackends(store: store, redis: redis)

        func bootstrap(tls: ReloadableTLSContext?) -> ServerBootstrap {
            ServerBootstrap(group: group)
                .serverChannelOption(.backlog, value: 256)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .serverChannelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        // Out of file descriptors, accept fails at once again: back off and pause instead of
                        // spinning a core (AcceptPause says why the backoff alone is not enough).
                        try channel.pipeline.syncOperations.addHandler(AcceptBackoffHandler(shouldForwardIOErrorCaught: true))
                        try channel.pipeline.syncOperations.addHandler(AcceptPause(logger: logger))
                        try channel.pipeline.syncOperations.addHandler(quiescing.makeServerChannelHandler(channel: channel))
                    }
                }
                .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
                .childChannelOption(.recvAllocator, value: AdaptiveRecvByteBufferAllocator.clientConnection)
                .childChannelOption(
                    .writeBufferWaterMark, value: .init(low: limits.lowWaterMark, high: limits.highWaterMark)
                )
                .childChannelInitializer { channel in
                    guard admission.admit(channel) else {
                        return channel.close()
                    }
                    return channel.eventLoop.makeCompletedFuture {
                        let sync = channel.pipeline.syncOperations
                        if let tls {
                            try sync.addHandler(OpenSSLHandler.server(context: tls.current))
                            try sync.addHandler(TLSFailureLogger(logger: logger, peer: channel.remoteAddress))
                        }
                        let reading = FrameReading(maxFrameLength: configuration.maxFrameLength)
                        try sync.addHandler(ByteToMessageHandler(FrameDecoder(reading: reading)))
                        try sync.addHandler(
                            SalesConnectionHandler(
                                settings: settings, peer: channel.remoteAddress, reading: reading,
                                backend: backends.backend(for: channel.eventLoop), logger: logger
                            )
                        )
                    }
                }
        }

        var plaintext: (any Channel)?
        if let listen = configuration.listen {
            plaintext = try await bootstrap(tls: nil).bind(host: listen.host, port: listen.port).get()
        }
        var tls: (any Channel)?
        if let tlsListen = configuration.tlsListen {
            do {
                tls = try await bootstrap(tls: tlsContext).bind(host: tlsListen.host, port: tlsListen.port).get()
            } catch {
                try? await plaintext?.close().get()
                throw error
            }
        }
        let server = SalesServer(
            plaintext: plaintext, tls: tls, tlsContext: tlsContext, access: access, quiescing: quiescing, logger: logger
        )
        logger.info("serving the binary protocol", metadata: [
            "sr.listen": "\(plaintext?.localAddress.map { "\($0)" } ?? "-")",
            "sr.tls_listen": "\(tls?.localAddress.map { "\($0)" } ?? "-")",
            "sr.auth": "\(configuration.credentials.authenticationRequired)",
        ])
        return server
    }

    /// Reads the TLS listener's certificate, key and client CA again: new connections get them, open
    /// ones keep theirs. Throws (keeping the old ones) when the files cannot be used.
    public func reloadTLS() throws(TLSError) {
        try tlsContext?.reload()
    }

    /// Stops accepting, lets every connection finish its requests in flight, then closes them.
    public func shutdown() async throws {
        logger.info("draining connections")
        let done = serverChannels[0].eventLoop.makePromise(of: Void.self)
        quiescing.initiateShutdown(promise: done)
        try await done.futureResult.get()
        logger.info("all connections closed")
    }
}
