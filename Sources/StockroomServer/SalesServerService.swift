import Logging
import NIOCore
import ServiceLifecycle
import StockroomCore
import UnixSignals

/// The sales server as a long-lived `Service`: it serves until graceful shutdown (SIGTERM, SIGINT),
/// then drains its connections. SIGHUP reloads the credentials file and the TLS listener's
/// certificate and key (each only if there is one), without dropping a connection.
public struct SalesServerService: Service {
    private let configuration: ServerConfiguration
    private let store: SalesStore
    private let redis: RedisConnectionsByLoop
    private let group: any EventLoopGroup
    private let access: ServerAccess
    private let logger: Logger
    private let onStart: @Sendable (SalesServer) -> Void

    /// - Parameters:
    ///   - onStart: called once the server listens, e.g. to print the address.
    public init(
        configuration: ServerConfiguration,
        store: SalesStore,
        redis: RedisConnectionsByLoop,
        group: any EventLoopGroup,
        access: ServerAccess,
        logger: Logger,
        onStart: @escaping @Sendable (SalesServer) -> Void = { _ in }
    ) {
        self.configuration = configuration
        self.store = store
        self.redis = redis
        self.group = group
        self.access = access
        self.logger = logger
        self.onStart = onStart
    }

    public func run() async throws {
        let server = try await SalesServer.start(
            configuration: configuration, store: store, redis: redis, group: group, access: access, logger: logger
        )
        onStart(server)
        await withTaskGroup(of: Void.self) { tasks in
            if configuration.credentialsFile != nil || configuration.tlsListen != nil {
                tasks.addTask { await reloadOnHangup(server) }
            }
            // Returns on graceful shutdown, throws on cancellation: drain in both cases.
            try? await gracefulShutdown()
            tasks.cancelAll()
        }
        try await server.shutdown()
    }

    /// On every SIGHUP: read the files again; a file that cannot be used leaves the old one in force.
    private func reloadOnHangup(_ server: SalesServer) async {
        for await _ in await UnixSignalsSequence(trapping: .sighup) {
            if let path = configuration.credentialsFile {
                do {
                    let credentials = try CredentialFile.read(path)
                    try server.access.credentials.replace(with: credentials)
                    logger.notice("credentials reloaded", metadata: ["sr.credentials": "\(credentials.all.count)", "sr.file": "\(path)"])
                } catch {
                    logger.error("credentials not reloaded; the old ones stay in force", metadata: ["sr.error": "\(error)"])
                }
            }
            if configuration.tlsListen != nil {
                do {
                    try server.reloadTLS()
                    logger.notice("TLS certificate reloaded; new connections use it")
                } catch {
                    logger.error("TLS certificate not reloaded; the old one stays in use", metadata: ["sr.error": "\(error)"])
                }
            }
        }
    }
}
