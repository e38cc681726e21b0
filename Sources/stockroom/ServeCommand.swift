import ArgumentParser
import Foundation
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle
import StockroomCore
import StockroomFactory
import StockroomRedis
import StockroomServer
import StockroomTLS

/// `stockroom serve`: the binary-protocol server, on a given Redis or on its own embedded one.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the sales server until SIGTERM or SIGINT.",
        discussion: """
            Without --redis and without $STOCKROOM_REDIS, it starts a private redis-server on a free \
            loopback port with its data in --data-dir, and stops it on exit.
            """
    )

    @Option(help: "Address to listen on.") var listen = "127.0.0.1:7400"
    @Option(help: "Redis URL redis://[user:pass@]host:port[/db] (default: $STOCKROOM_REDIS, else embedded).")
    var redis: String?
    @Option(help: "Where the embedded Redis keeps its data.") var dataDir = ".stockroom"
    @Option(help: "Partitions for new data (existing data keeps its recorded count).") var partitions = 4
    @Option(help: "The largest quantity one purchase may ask for.") var maxQuantity = 1000
    @Option(help: "Reorder quantity of SKUs created without one.") var reorderQty = 100
    @Option(help: "Seconds a purchase id's first answer is kept for replays.") var replayWindow = 86_400
    @Option(help: "Token granting the sales role (default: $STOCKROOM_SALES_TOKEN). Any token turns AUTH on.")
    var salesToken: String?
    @Option(help: "Token granting the admin role (default: $STOCKROOM_ADMIN_TOKEN).") var adminToken: String?
    @Option(help: "PEM certificate chain: speak TLS.") var tlsCert: String?
    @Option(help: "PEM private key for --tls-cert.") var tlsKey: String?
    @Option(help: "Event loop threads (default: one per core).") var threads = System.coreCount
    @Option(help: "HTTP side port HOST:PORT: the factory's callback (POST /arrival), /healthz, /metrics. Off when not given.")
    var http: String?
    @Option(help: "Event workers to run in this process: factory, warehouse, ops, sweeper, all or none.")
    var workers: WorkerRole = .none
    @OptionGroup var workerOptions: WorkerOptions
    @OptionGroup var logging: LoggingOptions

    func validate() throws {
        try workerOptions.validateWorkerOptions()
        if let http { _ = try HostPort(http) }
        guard (tlsCert == nil) == (tlsKey == nil) else { throw ValidationError("--tls-cert and --tls-key go together") }
        guard partitions >= 1, threads >= 1, maxQuantity >= 1, reorderQty >= 1, replayWindow >= 1 else {
            throw ValidationError("--partitions, --threads, --max-quantity, --reorder-qty and --replay-window must be positive")
        }
    }

    func run() async throws {
        let logger = try logging.makeLogger(label: "stockroom.serve")
        _ = ProcessMetrics.registry
        let environment = ProcessInfo.processInfo.environment
        let address = try HostPort(listen)
        do {
            try await withRedisURL(redis ?? environment["STOCKROOM_REDIS"], dataDirectory: dataDir, logger: logger) { url in
                var redisConfiguration = try RedisConfiguration(url: url)
                redisConfiguration.scripts = SalesScripts.all
                try await withEventLoopGroup(threads: threads) { group in
                    try await withResource(
                        acquire: { try await RedisConnectionsByLoop.connect(configuration: redisConfiguration, group: group, logger: logger) },
                        release: { await $0.close() }
                    ) { connections in
                        try await serve(
                            connections: connections, redis: redisConfiguration, address: address,
                            group: group, environment: environment, logger: logger
                        )
                    }
                }
            }
        } catch {
            logger.error("the server stopped on an error", metadata: ["sr.error": "\(error)"])
            throw ExitCode.failure
        }
    }

    private func serve(
        connections: RedisConnectionsByLoop,
        redis redisConfiguration: RedisConfiguration,
        address: HostPort,
        group: MultiThreadedEventLoopGroup,
        environment: [String: String],
        logger: Logger
    ) async throws {
        var sales = SalesConfiguration()
        sales.partitions = partitions
        sales.maximumQuantity = maxQuantity
        sales.defaultReorderQuantity = reorderQty
        sales.replayWindowSeconds = replayWindow
        let store = try await SalesStore.open(on: connections.any, configuration: sales, logger: logger).get()

        var server = ServerConfiguration()
        server.host = address.host
        server.port = address.port
        server.credentials = Credentials(
            salesToken: salesToken ?? environment["STOCKROOM_SALES_TOKEN"],
            adminToken: adminToken ?? environment["STOCKROOM_ADMIN_TOKEN"]
        )
        if let tlsCert, let tlsKey {
            server.tls = .server(certificateChainFile: tlsCert, privateKeyFile: tlsKey)
        }

        let salesService = SalesServerService(
            configuration: server, store: store, redis: connections, group: group, logger: logger
        ) { server in
            // One plain line on stdout, so scripts can wait for it and learn the port.
            let listening = HostPort(host: server.localAddress.ipAddress ?? address.host, port: server.localAddress.port ?? address.port)
            let line = "stockroom listening on \(listening) redis=\(redisConfiguration.url) partitions=\(store.keys.partitions)\n"
            FileHandle.standardOutput.write(Data(line.utf8))
        }
        var services: [any Service] = [salesService]

        let handlerRedis = try await WorkerAssembly.handlerConnection(redisConfiguration, logger: logger)
        var callbackURL = workerOptions.callbackURL ?? "http://127.0.0.1:7480/arrival"
        if let http {
            let address = try HostPort(http)
            var side = SidePortConfiguration()
            side.host = address.host
            side.port = address.port
            let intake = ArrivalIntake(keys: store.keys, redis: handlerRedis, logger: logger)
            let sidePort = SidePortService(
                configuration: side, intake: intake, redis: handlerRedis, registry: ProcessMetrics.registry, logger: logger
            )
            services.append(sidePort)
            if workerOptions.callbackURL == nil { callbackURL = "http://\(address)/arrival" }
        }
        let assembly = WorkerAssembly(
            role: workers, options: workerOptions, keys: store.keys, redis: redisConfiguration,
            callbackURL: callbackURL, logger: logger
        )
        let (workerServices, factoryClient) = assembly.services(handlerRedis: handlerRedis)
        services += workerServices

        let group = ServiceGroup(configuration: .init(
            services: services.map { .init(service: $0) },
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger
        ))
        do {
            try await group.run()
        } catch {
            try? await factoryClient?.shutdown()
            try? await handlerRedis.close().get()
            throw error
        }
        try? await factoryClient?.shutdown()
        try? await handlerRedis.close().get()
    }
}
