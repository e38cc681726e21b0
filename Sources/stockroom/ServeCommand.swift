import ArgumentParser
import Foundation
import Logging
import StockroomApp
import StockroomCommandLine
import StockroomConsole
import StockroomCore
import StockroomServer
import StockroomSidePort
import StockroomTLS
import UnixSignals

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
    private static let defaults = StockroomConfiguration()

    @Option(help: "Plaintext address to listen on (default: \(defaults.server?.listen?.description ?? "-"), unless only --tls-listen is given).")
    var listen: String?
    @Option(help: "TLS address to listen on, beside --listen (needs --tls-cert and --tls-key); alone, no plaintext listener opens.")
    var tlsListen: String?
    @Option(help: "Redis URL redis://[user:pass@]host:port[/db] (default: $STOCKROOM_REDIS, else embedded).")
    var redis: String?
    @Option(help: "Where the embedded Redis keeps its data (default: \(defaults.dataDirectory)).") var dataDir: String?
    @Option(
        help: """
            When the embedded Redis forces a sale to disk: always (before the answer) or everysec (a machine \
            crash can lose about a second of sales) (default: \(defaults.durability.rawValue)).
            """
    )
    var durability: Durability?
    @Option(help: "Partitions for new data; existing data keeps its recorded count (default: \(defaults.sales.partitions)).")
    var partitions: Int?
    @Option(help: "The largest quantity one purchase may ask for (default: \(defaults.sales.maximumQuantity)).")
    var maxQuantity: Int?
    @Option(help: "Reorder quantity of SKUs created without one (default: \(defaults.sales.defaultReorderQuantity)).")
    var reorderQty: Int?
    @Option(help: "Seconds a purchase id's first answer is kept for replays (default: \(defaults.sales.replayWindowSeconds)).")
    var replayWindow: Int?
    @Option(
        help: "Replicas that must confirm each batch of purchases (Redis WAIT) before it is answered; too few in time answers BACKEND_UNAVAILABLE (default: 0)."
    )
    var syncReplicas: Int?
    @Option(help: "Milliseconds a batch waits for --sync-replicas confirmations (default: \(defaults.sales.syncTimeoutMilliseconds)).")
    var syncTimeout: Int?
    @Option(help: "Credentials file (`stockroom credentials add`): turns AUTH on; SIGHUP reloads it.") var credentials: String?
    @Option(help: "Local development only: a token granting the sales role (default: $STOCKROOM_SALES_TOKEN). Visible in ps; use --credentials.")
    var salesToken: String?
    @Option(help: "Local development only: a token granting the admin role (default: $STOCKROOM_ADMIN_TOKEN).") var adminToken: String?
    @Option(help: "PEM certificate chain of the TLS listener; SIGHUP reloads it.") var tlsCert: String?
    @Option(help: "PEM private key for --tls-cert.") var tlsKey: String?
    @Option(help: "PEM CA certificates: the TLS listener requires a client certificate they signed (mutual TLS).")
    var tlsClientCa: String?
    @Option(help: "Event loop threads (default: one per core).") var threads: Int?
    @Option(help: "HTTP side port HOST:PORT: the factory's callback (POST /arrival), /healthz, /metrics. Off when not given.")
    var http: String?
    @Option(help: "Dead letters per second a bulk redrive from the console moves.")
    var redriveRate = ConsoleData.defaultRedriveRate
    @Flag(help: "Let anyone read the side port's /metrics; by default, with credentials on, it needs an ops or admin token.")
    var metricsOpen = false
    @Option(help: "Event workers to run in this process: factory, warehouse, ops, sweeper, all or none.")
    var workers: WorkerRole = .none
    @OptionGroup(title: "Limits") var limits: LimitOptions
    @OptionGroup var workerOptions: WorkerOptions
    @OptionGroup var logging: LoggingOptions

    func validate() throws {
        try workerOptions.validateWorkerOptions()
        if let http { _ = try HostPort(http) }
        guard redriveRate >= 1 else { throw ValidationError("--redrive-rate must be at least 1") }
        if let listen { _ = try HostPort(listen) }
        guard (tlsCert == nil) == (tlsKey == nil) else { throw ValidationError("--tls-cert and --tls-key go together") }
        guard (tlsListen == nil) == (tlsCert == nil) else {
            throw ValidationError("--tls-listen needs --tls-cert and --tls-key, and they need --tls-listen")
        }
        if tlsClientCa != nil, tlsListen == nil { throw ValidationError("--tls-client-ca needs --tls-listen") }
        if let tlsListen { _ = try HostPort(tlsListen) }
        if credentials != nil, salesToken != nil || adminToken != nil {
            throw ValidationError("--credentials replaces --sales-token and --admin-token: give one or the other")
        }
        guard [partitions, threads, replayWindow].allSatisfy({ ($0 ?? 1) >= 1 }) else {
            throw ValidationError("--partitions, --threads and --replay-window must be positive")
        }
        if let partitions, partitions > PartitionTags.maximumPartitions {
            throw ValidationError("--partitions must be at most \(PartitionTags.maximumPartitions)")
        }
        if let syncReplicas, syncReplicas < 0 { throw ValidationError("--sync-replicas must be 0 or more") }
        if let syncTimeout, !(1...60_000).contains(syncTimeout) { throw ValidationError("--sync-timeout must be from 1 to 60000 ms") }
        for (value, range, name) in [
            (maxQuantity, NumberRanges.maximumQuantity, "--max-quantity"), (reorderQty, NumberRanges.reorderQuantity, "--reorder-qty"),
        ] {
            if let value, !range.contains(value) {
                throw ValidationError("\(name) must be from \(range.lowerBound) to \(range.upperBound), got \(value)")
            }
        }
    }

    func run() async throws {
        let logger = try logging.makeLogger(label: "stockroom.serve")
        let configuration = try makeConfiguration(environment: ProcessInfo.processInfo.environment)
        warnAboutAccess(configuration.server, logger: logger)
        do {
            try await StockroomProcess.with(configuration, registry: ProcessMetrics.registry, logger: logger) { listening in
                // One plain line on stdout, so scripts can wait for it and learn the port.
                let host = listening.address.ipAddress ?? ""
                let address = HostPort(host: host, port: listening.address.port ?? 0)
                let tls = listening.tlsAddress.map { " tls=\(HostPort(host: $0.ipAddress ?? "", port: $0.port ?? 0))" } ?? ""
                let line = "stockroom listening on \(address)\(tls) redis=\(listening.redisURL) partitions=\(listening.keys.partitions)\n"
                FileHandle.standardOutput.write(Data(line.utf8))
            } _: { stockroom in
                try await stockroom.run(gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
            }
        } catch {
            logger.error("the server stopped on an error", metadata: ["sr.error": "\(error)"])
            throw ExitCode.failure
        }
    }

    /// Says loudly when anyone may connect as admin, and when tokens came on the command line.
    private func warnAboutAccess(_ server: ServerConfiguration?, logger: Logger) {
        guard let server else { return }
        if !server.credentials.authenticationRequired {
            logger.warning(
                "authentication is OFF: anyone who can connect is an admin. Use --credentials FILE on any shared network",
                metadata: ["sr.listen": "\(server.listen?.description ?? "-")", "sr.tls_listen": "\(server.tlsListen?.description ?? "-")"]
            )
        } else if server.credentialsFile == nil {
            logger.warning("tokens given by flag or environment are for local development: other local users can read them (ps, /proc); use --credentials FILE")
        }
    }

    /// The flags over the defaults.
    private func makeConfiguration(environment: [String: String]) throws -> StockroomConfiguration {
        var configuration = StockroomConfiguration()
        configuration.redisURL = redis ?? environment["STOCKROOM_REDIS"]
        if let dataDir { configuration.dataDirectory = dataDir }
        if let durability { configuration.durability = durability }
        if let threads { configuration.threads = threads }
        if let partitions { configuration.sales.partitions = partitions }
        if let maxQuantity { configuration.sales.maximumQuantity = maxQuantity }
        if let reorderQty { configuration.sales.defaultReorderQuantity = reorderQty }
        if let replayWindow { configuration.sales.replayWindowSeconds = replayWindow }
        if let syncReplicas { configuration.sales.syncReplicas = syncReplicas }
        if let syncTimeout { configuration.sales.syncTimeoutMilliseconds = syncTimeout }

        var server = ServerConfiguration()
        if let listen {
            let address = try HostPort(listen)
            server.listen = Endpoint(host: address.host, port: address.port)
        } else if tlsListen != nil {
            server.listen = nil
        }
        if let tlsListen, let tlsCert, let tlsKey {
            let address = try HostPort(tlsListen)
            server.tlsListen = Endpoint(host: address.host, port: address.port)
            var tls = TLSConfiguration.server(certificateChainFile: tlsCert, privateKeyFile: tlsKey)
            if let tlsClientCa {
                tls.trustRootsFile = tlsClientCa
                tls.verifyPeer = true
            }
            server.tls = tls
        }
        if let credentials {
            server.credentials = try CredentialFile.read(credentials)
            server.credentialsFile = credentials
            guard server.credentials.authenticationRequired else {
                throw ValidationError("\(credentials) has no credentials: add one with `stockroom credentials add NAME ROLE --file \(credentials)`")
            }
        } else {
            server.credentials = Credentials(
                salesToken: salesToken ?? environment["STOCKROOM_SALES_TOKEN"],
                adminToken: adminToken ?? environment["STOCKROOM_ADMIN_TOKEN"]
            )
        }
        limits.apply(to: &server)
        configuration.server = server

        if let http {
            let address = try HostPort(http)
            var side = SidePortConfiguration()
            side.host = address.host
            side.port = address.port
            side.consoleRedriveRate = redriveRate
            configuration.sidePort = side
        }
        configuration.metricsOpen = metricsOpen
        configuration.workers = workers
        workerOptions.apply(to: &configuration)
        return configuration
    }
}
