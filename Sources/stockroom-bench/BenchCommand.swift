import ArgumentParser
import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import StockroomClient
import StockroomCore
import StockroomRedis

/// `stockroom-bench`: load for a Stockroom server. `throughput` (the default) measures purchases/s;
/// `shoppers` keeps buying through crashes and keeps a ledger of what was sold.
@main
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stockroom-bench",
        abstract: "Load for a Stockroom server: throughput (default) or shoppers.",
        subcommands: [ThroughputCommand.self, ShoppersCommand.self],
        defaultSubcommand: ThroughputCommand.self
    )
}

/// `stockroom-bench throughput`: purchase throughput and latency through a Stockroom server, measured as
/// a ratio against redis-benchmark running the same purchase script directly on the same Redis, in one run.
struct ThroughputCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "throughput",
        abstract: "Measure purchases/s through the server against EVALSHA straight to Redis."
    )

    @Option(help: "The Stockroom server, HOST:PORT.") var server = "127.0.0.1:7400"
    @Option(help: "The server's Redis, for the redis-benchmark baseline (omit to skip the baseline).") var redis: String?
    @Option(help: "Parallel connections, as redis-benchmark -c.") var connections = 50
    @Option(help: "Requests in flight per connection, as redis-benchmark -P.") var pipeline = 1
    @Option(help: "Seconds of load through the server.") var duration = 10
    @Option(help: "Requests for the baseline (default: sized to take about --duration seconds).") var baselineRequests: Int?
    @Option(help: "SKUs the load is spread over.") var skus = 16

    func validate() throws {
        guard connections >= 1, pipeline >= 1, duration >= 1, skus >= 1 else {
            throw ValidationError("--connections, --pipeline, --duration and --skus must be positive")
        }
    }

    func run() async throws {
        let (host, port) = try hostAndPort(server)
        let skuNames = (0..<skus).map { "BENCH-\($0)" }

        // Stock large enough that every purchase sells: the sale is the path with the most work.
        let admin = try await StockroomClient.connect(StockroomClientConfiguration(host: host, port: port))
        for sku in skuNames + ["BENCH-BASELINE"] { _ = try await admin.setStock(sku: sku, stock: 1_000_000_000_000) }
        await admin.close()

        var rows: [ResultRow] = []
        if let redis {
            print("baseline: redis-benchmark EVALSHA purchase, -c \(connections) -P \(pipeline)")
            rows.append(try await RedisBaseline(redisURL: redis, connections: connections, pipeline: pipeline,
                                                requests: baselineRequests ?? duration * (pipeline > 1 ? 250_000 : 90_000)).run())
        }
        print("stockroom: \(connections) connections, \(pipeline) in flight each, \(duration) s")
        rows.append(try await runStockroomLoad(host: host, port: port, skuNames: skuNames))

        print("")
        print(ResultRow.header)
        for row in rows { print(row.line) }
        if rows.count == 2 {
            print(String(format: "ratio stockroom/redis: %.2f", rows[1].requestsPerSecond / rows[0].requestsPerSecond))
        }
    }

    private func runStockroomLoad(host: String, port: Int, skuNames: [String]) async throws -> ResultRow {
        // One load thread, like redis-benchmark, so the server keeps the other core.
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let started = NIODeadline.now()
        let deadline = started + .seconds(Int64(duration))
        var finishedFutures: [EventLoopFuture<LoadTally>] = []
        for number in 0..<connections {
            let loop = group.next()
            let finished = loop.makePromise(of: LoadTally.self)
            finishedFutures.append(finished.futureResult)
            _ = try await ClientBootstrap(group: loop)
                .channelOption(.socketOption(.tcp_nodelay), value: 1)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        let sync = channel.pipeline.syncOperations
                        try sync.addHandler(ByteToMessageHandler(FrameDecoder()))
                        try sync.addHandler(MessageToByteHandler(RequestEncoder()))
                        try sync.addHandler(LoadConnectionHandler(
                            connectionNumber: number, skus: skuNames, pipelineDepth: pipeline,
                            deadline: deadline, finished: finished
                        ))
                    }
                }
                .connect(host: host, port: port).get()
        }
        let progress = Task {
            for second in 1..<duration {
                try await Task.sleep(for: .seconds(1))
                print("  \(second)/\(duration) s")
            }
        }
        var total = LoadTally()
        for future in finishedFutures { total.add(try await future.get()) }
        progress.cancel()
        try await group.shutdownGracefully()
        let elapsed = Double((NIODeadline.now() - started).nanoseconds) / 1e9
        if !total.errors.isEmpty { print("  errors: \(total.errors)") }
        return ResultRow(
            name: "stockroom", connections: connections, pipeline: pipeline,
            requestsPerSecond: Double(total.sold + total.outOfStock) / elapsed,
            p50Milliseconds: Double(total.latencyMicroseconds.valueAtPercentile(50)) / 1000,
            p99Milliseconds: Double(total.latencyMicroseconds.valueAtPercentile(99)) / 1000
        )
    }
}

/// One line of the results table.
struct ResultRow {
    var name: String
    var connections: Int
    var pipeline: Int
    var requestsPerSecond: Double
    var p50Milliseconds: Double
    var p99Milliseconds: Double

    static let header = "target     connections  pipeline  requests/s   p50 ms   p99 ms"

    var line: String {
        String(format: "%-10@ %11d %9d %11.0f %8.3f %8.3f", name as NSString, connections, pipeline,
               requestsPerSecond, p50Milliseconds, p99Milliseconds)
    }
}

/// `HOST:PORT` → (host, port).
func hostAndPort(_ server: String) throws -> (String, Int) {
    let parts = server.split(separator: ":")
    guard parts.count == 2, let port = Int(parts[1]) else { throw ValidationError("--server must be HOST:PORT") }
    return (String(parts[0]), port)
}
