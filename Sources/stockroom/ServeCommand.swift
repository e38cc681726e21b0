import ArgumentParser
import Foundation
import Logging
import StockroomApp
import StockroomCore
import StockroomServer
import StockroomSidePort
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

    @Option(help: "Address to listen on (default: \(defaults.server?.host ?? ""):\(defaults.server?.port ?? 0)).") var listen: String?
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
    @Option(help: "Token granting the sales role (default: $STOCKROOM_SALES_TOKEN). Any token turns AUTH on.")
    var salesToken: String?
    @Option(help: "Token granting the admin role (default: $STOCKROOM_ADMIN_TOKEN).") var adminToken: String?
    @Option(help: "PEM certificate chain: speak TLS.") var tlsCert: String?
    @Option(help: "PEM private key for --tls-cert.") var tlsKey: String?
    @Option(help: "Event loop threads (default: one per core).") var threads: Int?
    @Option(help: "HTTP side port HOST:PORT: the factory's callback (POST /arrival), /healthz, /metrics. Off when not given.")
    var http: String?
    @Option(help: "Event workers to run in this process: factory, warehouse, ops, sweeper, all or none.")
    var workers: WorkerRole = .none
    @OptionGroup(title: "Limits") var limits: LimitOptions
    @OptionGroup var workerOptions: WorkerOptions
    @OptionGroup var logging: LoggingOptions

    func validate() throws {
        try workerOptions.validateWorkerOptions()
        if let http { _ = try HostPort(http) }
        if let listen { _ = try HostPort(listen) }
        guard (tlsCert == nil) == (tlsKey == nil) else { throw ValidationError("--tls-cert and --tls-key go together") }
        guard [partitions, threads, replayWindow].allSatisfy({ ($0 ?? 1) >= 1 }) else {
            throw ValidationError("--partitions, --threads and --replay-window must be positive")
        }
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
        do {
            try await StockroomProcess.with(configuration, registry: ProcessMetrics.registry, logger: logger) { listening in
                // One plain line on stdout, so scripts can wait for it and learn the port.
                let host = listening.address.ipAddress ?? configuration.server?.host ?? ""
                let address = HostPort(host: host, port: listening.address.port ?? 0)
                let line = "stockroom listening on \(address) redis=\(listening.redisURL) partitions=\(listening.keys.partitions)\n"
                FileHandle.standardOutput.write(Data(line.utf8))
            } _: { stockroom in
                try await stockroom.run(gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
            }
        } catch {
            logger.error("the server stopped on an error", metadata: ["sr.error": "\(error)"])
            throw ExitCode.failure
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

        var server = ServerConfiguration()
        if let listen {
            let address = try HostPort(listen)
            server.host = address.host
            server.port = address.port
        }
        server.credentials = Credentials(
            salesToken: salesToken ?? environment["STOCKROOM_SALES_TOKEN"],
            adminToken: adminToken ?? environment["STOCKROOM_ADMIN_TOKEN"]
        )
        if let tlsCert, let tlsKey {
            server.tls = .server(certificateChainFile: tlsCert, privateKeyFile: tlsKey)
        }
        limits.apply(to: &server)
        configuration.server = server

        if let http {
            let address = try HostPort(http)
            var side = SidePortConfiguration()
            side.host = address.host
            side.port = address.port
            configuration.sidePort = side
        }
        configuration.workers = workers
        workerOptions.apply(to: &configuration)
        return configuration
    }
}
