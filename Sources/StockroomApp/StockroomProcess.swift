import Logging
import NIOCore
import NIOPosix
import Prometheus
import ServiceLifecycle
import StockroomConsole
import StockroomCore
import StockroomEmbeddedRedis
import StockroomFactory
import StockroomHTTP
import StockroomOps
import StockroomPipeline
import StockroomRedis
import StockroomServer
import StockroomSidePort
import StockroomWarehouse
import UnixSignals

/// One Stockroom process, assembled from a ``StockroomConfiguration``: the sales server, the HTTP
/// side port, the event workers and the sweeper, on one Redis (given, or embedded).
///
/// ```
/// StockroomProcess.with(configuration) ─ Redis (URL or embedded) ─ event loops ─ connections ─ key space
///         │                                                                         │
///         └─ services: SalesServerService, SidePortService, ConsumerGroupWorker × groups, Sweeper
/// ```
/// `with` acquires every resource, hands the assembled process to its body and releases everything
/// when the body returns or throws; `run` runs the services until a graceful shutdown.
public struct StockroomProcess: Sendable {
    public let configuration: StockroomConfiguration
    /// The data's key space, with its recorded partition count.
    public let keys: KeySpace
    /// The Redis in use: the configured one or the embedded one.
    public let redisURL: String
    /// Every service, in the order they start.
    public let services: [any Service]
    /// The sales server's bound port, once it listens (nil without a server).
    public let salesPort: ListeningPort?
    /// The side port's bound port, once it listens (nil without a side port).
    public let sidePort: ListeningPort?

    /// Assembles the process described by `configuration`, runs `body` with it and releases every
    /// resource afterwards.
    /// - Parameters:
    ///   - registry: the Prometheus registry the side port's `/metrics` exposes.
    ///   - onListening: called once the sales server listens, with where it listens and on what data.
    public static func with<Result>(
        _ configuration: StockroomConfiguration,
        registry: PrometheusCollectorRegistry,
        logger: Logger,
        onListening: @escaping @Sendable (SalesServerListening) -> Void = { _ in },
        _ body: (StockroomProcess) async throws -> Result
    ) async throws -> Result {
        try await withRedisURL(
            configuration.redisURL, dataDirectory: configuration.dataDirectory, durability: configuration.durability, logger: logger
        ) { url in
            var redis = try RedisConfiguration(url: url)
            redis.scripts = StockroomScripts.all
            return try await withEventLoopGroup(threads: configuration.threads) { group in
                try await withResource(
                    acquire: { try await RedisConnection.connect(configuration: redis, eventLoop: group.next(), logger: logger).get() },
                    release: { try? await $0.close().get() }
                ) { handlerRedis in
                    if configuration.redisURL != nil, let warning = await PersistenceAssessment.read(from: handlerRedis).warning {
                        logger.warning("\(warning)", metadata: ["sr.redis": "\(redis.url)"])
                    }
                    if configuration.server != nil, let warning = await ReplicaAssessment.read(from: handlerRedis, required: configuration.sales.syncReplicas) {
                        logger.warning("\(warning)", metadata: ["sr.redis": "\(redis.url)"])
                    }
                    let keys =
                        configuration.server == nil
                        ? try await KeySpace.recorded(on: handlerRedis)
                        : try await KeySpace.open(on: handlerRedis, configured: configuration.sales.partitions, logger: logger).get()
                    let assembly = Assembly(
                        configuration: configuration, redis: redis, keys: keys, handlerRedis: handlerRedis,
                        group: group, registry: registry, logger: logger, onListening: onListening
                    )
                    return try await assembly.withServices(body)
                }
            }
        }
    }

    /// Runs every service until a graceful shutdown (one of `signals`) or until one of them fails,
    /// which stops the others.
    public func run(gracefulShutdownSignals signals: [UnixSignal] = [], logger: Logger) async throws {
        let group = ServiceGroup(
            configuration: .init(services: services.map { .init(service: $0) }, gracefulShutdownSignals: signals, logger: logger)
        )
        try await group.run()
    }
}

/// Where the sales server listens, and on what data: what `stockroom serve` announces.
public struct SalesServerListening: Sendable {
    /// The plaintext listener's address, or the TLS one's when there is no plaintext listener.
    public let address: SocketAddress
    public let tlsAddress: SocketAddress?
    public let redisURL: String
    public let keys: KeySpace
}

/// Builds the services of one process from the resources `StockroomProcess.with` acquired.
private struct Assembly {
    let configuration: StockroomConfiguration
    let redis: RedisConfiguration
    let keys: KeySpace
    let handlerRedis: RedisConnection
    let group: MultiThreadedEventLoopGroup
    let registry: PrometheusCollectorRegistry
    let logger: Logger
    let onListening: @Sendable (SalesServerListening) -> Void

    func withServices<Result>(_ body: (StockroomProcess) async throws -> Result) async throws -> Result {
        var services: [any Service] = []
        var salesPort: ListeningPort?
        var connections: RedisConnectionsByLoop?
        var factoryClient: FactoryClient?
        // One set of credentials for the sales port and the side port, so a reload reaches both.
        let access = configuration.server.map { ServerAccess(credentials: $0.credentials) }
        do {
            if let server = configuration.server, let access {
                let byLoop = try await RedisConnectionsByLoop.connect(configuration: redis, group: group, logger: logger)
                connections = byLoop
                let listening = ListeningPort()
                salesPort = listening
                let store = SalesStore(keys: keys, configuration: configuration.sales)
                let expiry = ReplayExpiry(keys: keys, windowSeconds: configuration.sales.replayWindowSeconds)
                try await expiry.adopt(on: handlerRedis)
                services.append(ReplayExpiryService(expiry: expiry, redis: handlerRedis, logger: logger))
                services.append(
                    SalesServerService(configuration: server, store: store, redis: byLoop, group: group, access: access, logger: logger) {
                        [onListening, keys, redis] server in
                        onListening(
                            SalesServerListening(address: server.localAddress, tlsAddress: server.tlsAddress, redisURL: redis.url, keys: keys)
                        )
                        Task { await listening.listening(on: server.localAddress.port ?? 0) }
                    }
                )
            }
            var sidePort: SidePortService?
            if var side = configuration.sidePort {
                if let access, access.credentials.current.authenticationRequired, !configuration.metricsOpen {
                    side.metricsAuthorization = { token in access.mayObserve(token: token) }
                }
                if let access, access.credentials.current.authenticationRequired {
                    side.consoleAccess = .credentials { token in
                        access.operatorIdentity(token: token).map { ConsoleUser(name: $0.name, mayAct: $0.isAdmin) }
                    }
                }
                let intake = ArrivalIntake(orders: FactoryOrders(keys: keys, redis: handlerRedis), logger: logger)
                let service = SidePortService(
                    configuration: side, intake: intake, redis: handlerRedis, registry: registry,
                    console: ConsoleData(keys: keys, redis: handlerRedis, redriveRate: side.consoleRedriveRate), logger: logger
                )
                sidePort = service
                services.append(service)
            }
            for subscription in configuration.workers.subscriptions {
                let handler: any EntryHandler
                switch subscription {
                case .factory:
                    var factory = configuration.factory
                    factory.callbackURL = configuration.resolvedCallbackURL
                    let client = FactoryClient(configuration: factory, logger: logger)
                    factoryClient = client
                    let orders = FactoryOrders(keys: keys, redis: handlerRedis, deadline: factory.orderDeadline)
                    handler = FactoryOrderHandler(orders: orders, client: client)
                    // Orders past their deadline are asked again, then expire: the factory group's job too.
                    services.append(
                        OrderWatchdog(
                            orders: orders, client: client, maximumAttempts: factory.orderAttempts,
                            interval: min(max(factory.orderDeadline / 4, .milliseconds(100)), .seconds(5)), logger: logger
                        )
                    )
                case .warehouse:
                    handler = WarehouseArrivalHandler(orders: FactoryOrders(keys: keys, redis: handlerRedis))
                default:
                    handler = OpsHandler(counters: OpsCounters(keys: keys, redis: handlerRedis))
                }
                services.append(
                    ConsumerGroupWorker(
                        configuration: configuration.groups.configuration(subscription), keys: keys, redis: redis,
                        handler: handler, eventLoopGroup: group, logger: logger
                    )
                )
            }
            if configuration.workers.runsSweeper {
                services.append(
                    Sweeper(
                        groups: Subscription.all.map(configuration.groups.configuration), keys: keys, redis: redis,
                        eventLoopGroup: group, interval: configuration.sweepInterval, logger: logger
                    )
                )
            }
            let stockroom = StockroomProcess(
                configuration: configuration, keys: keys, redisURL: redis.url, services: services,
                salesPort: salesPort, sidePort: sidePort?.listening
            )
            let result = try await body(stockroom)
            try? await factoryClient?.shutdown()
            await connections?.close()
            return result
        } catch {
            try? await factoryClient?.shutdown()
            await connections?.close()
            throw error
        }
    }
}
