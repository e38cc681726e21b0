import Logging
import NIOCore
import ServiceLifecycle
import StockroomCore
import UnixSignals

/// The sales server as a long-lived `Service`: it serves until graceful shutdown (SIGTERM, SIGINT),
/// then drains its connections. With a credentials file, SIGHUP reloads it.
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
            if let path = configuration.credentialsFile {
                tasks.addTask { await reloadCredentials(of: server, from: path) }
            }
            // Returns on graceful shutdown, throws on cancellation: drain in both cases.
            try? await gracefulShutdown()
            tasks.cancelAll()
        }
        try await server.shutdown()
    }

    /// On every SIGHUP: read the file again; a file that cannot be used leaves the old credentials.
    private func reloadCredentials(of server: SalesServer, from path: String) async {
        for await _ in await UnixSignalsSequence(trapping: .sighup) {
            do {
                let credentials = try CredentialFile.read(path)
                try server.access.credentials.replace(with: credentials)
                logger.notice("credentials reloaded", metadata: ["sr.credentials": "\(credentials.all.count)", "sr.file": "\(path)"])
            } catch {
                logger.error("credentials not reloaded; the old ones stay in force", metadata: ["sr.error": "\(error)"])
            }
        }
    }
}
