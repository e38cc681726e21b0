import ArgumentParser
import Foundation
import NIOPosix
import StockroomBench
import StockroomClient
import StockroomCommandLine

/// `stockroom-bench [throughput]`: loads Stockroom through its client library, or Redis straight
/// with the same purchase script, or both back to back, and reports throughput, latency, answers by
/// code, the oversell check and (`--memory`) the Redis memory each purchase leaves behind.
struct ThroughputCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "throughput",
        abstract: "Load a Stockroom server (or Redis straight) and report throughput, latency and checks.",
        discussion: """
            Closed loop: --connections C keep --pipeline P requests in flight each, until --requests N \
            or --duration S. Open loop: --rate R requests/s on a fixed schedule, latency measured from \
            when each request was due (corrected for coordinated omission, as wrk2 does), at most P in \
            flight per connection. --compare runs Stockroom, then Redis, with the same load; its last \
            line is `ratio throughput=X p50=Y p99=Z` (Stockroom over Redis). With --plot and JSON \
            files, it draws them and runs nothing.
            """
    )

    @OptionGroup(title: "The Stockroom target") var client: ClientOptions
    @Option(help: "Token for setting the stock before the run (STOCK_SET needs the admin role; default: --token).")
    var adminToken: String?
    @Option(help: "What the load drives: stockroom (through the client library) or redis (the purchase script straight on --redis).")
    var target: TargetKind = .stockroom
    @Option(help: "Redis URL: the redis target's, and where --memory reads used_memory (the server's Redis).")
    var redis: String?
    @Flag(help: "Run the stockroom target, then the redis target, with the same load, and print their ratio last.")
    var compare = false

    @Option(help: "Connections to the target.") var connections = 50
    @Option(help: "Requests in flight per connection (open loop: at most).") var pipeline = 1
    @Option(help: "Stop after this many requests.") var requests: Int?
    @Option(help: "Stop after this many seconds (default: 10 when --requests is not given).") var duration: Double?
    @Option(help: "Open loop: requests per second over the whole run.") var rate: Double?

    @Option(help: "SKUs the load spreads over.") var skus = 1
    @Option(help: "hot (one SKU), uniform or zipf:S (default: hot for one SKU, else uniform).") var distribution: String?
    @Option(help: "Stock each SKU is set to before the run.") var stock = 1_000_000_000_000
    @Option(help: "Request kinds and their weights, e.g. purchase=90,get=10.") var mix = "purchase=100"
    @Option(help: "Units each purchase asks for.") var qty = 1
    @Option(help: "Seed of the SKU draws (default: random), to repeat a workload.") var seed: UInt64?

    @Flag(help: "Report Redis memory retained per purchase (needs --redis): `memory bytes_per_purchase=X after_trim=Y`.")
    var memory = false
    @Option(help: "With --memory: seconds to wait for the workers to acknowledge every event.") var settleTimeout = 300.0

    @Option(help: "Write the results as JSON to this file.") var json: String?
    @Option(help: "Draw the latency percentile distribution as SVG to this file.") var plot: String?
    @Option(help: "The plot's title.") var title = "Latency by percentile"
    @Option(help: "A name for this run in the JSON and plot legends.") var label: String?
    @Option(help: "The server's process id: its CPU per request is read from /proc/PID/stat.") var serverPid: Int32?
    @Argument(help: "With --plot: JSON files of earlier runs to draw (nothing is run then).") var reports: [String] = []

    enum TargetKind: String, ExpressibleByArgument, CaseIterable {
        case stockroom, redis
    }

    func validate() throws {
        guard connections >= 1, pipeline >= 1, skus >= 1, qty >= 1, stock >= 0 else {
            throw ValidationError("--connections, --pipeline, --skus and --qty must be positive, --stock at least 0")
        }
        guard connections * pipeline <= PurchaseIDGenerator.maximumWorkers else {
            throw ValidationError("--connections × --pipeline may be at most \(PurchaseIDGenerator.maximumWorkers)")
        }
        guard requests.map({ $0 >= 1 }) ?? true, duration.map({ $0 > 0 }) ?? true, rate.map({ $0 > 0 }) ?? true else {
            throw ValidationError("--requests, --duration and --rate must be positive")
        }
        guard requests == nil || duration == nil else { throw ValidationError("give --requests or --duration, not both") }
        if !reports.isEmpty, plot == nil { throw ValidationError("JSON files are drawn with --plot FILE.svg") }
        if (compare || target == .redis || memory), redis == nil, reports.isEmpty {
            throw ValidationError("--compare, --target redis and --memory need --redis URL")
        }
        let workload = try workload()
        if workload.distribution == .hot, skus > 1 { throw ValidationError("--distribution hot is one SKU: drop --skus or pick uniform or zipf:S") }
    }

    func run() async throws {
        if let plot, !reports.isEmpty {
            try drawPlot(plot, reports.map(BenchReport.read(from:)))
            return
        }
        var report = try await runTargets(group: .singleton)
        if let stockroom = report.stockroom, let redis = report.redis {
            report.ratio = TargetRatio(stockroom: stockroom, redis: redis)
        }
        Console.say("")
        Console.say(ResultTable.render(report.targets))
        for result in report.targets {
            if let check = result.check { Console.say("\(result.target) \(check.line)") }
            if let memory = result.memory {
                for note in memory.notes { Console.say("\(result.target) memory: \(note)") }
                Console.say("\(result.target) memory: \(Formatting.grouped(memory.purchases)) purchases")
                Console.say(memory.line)
            }
        }
        try report.save(to: json)
        if let plot { try drawPlot(plot, [report]) }
        if let ratio = report.ratio { Console.say(ratio.line) }
        if report.targets.contains(where: { $0.check?.balanced == false }) { throw ExitCode.failure }
    }

    private func runTargets(group: MultiThreadedEventLoopGroup) async throws -> BenchReport {
        guard let redis else { return try await runEach(group: group, observer: nil) }
        return try await RedisObserver.with(url: redis, group: group) { observer in try await runEach(group: group, observer: observer) }
    }

    /// Runs each target in turn with the same plan (the same seed, so the same SKU draws).
    private func runEach(group: MultiThreadedEventLoopGroup, observer: RedisObserver?) async throws -> BenchReport {
        let plan = try plan()
        var runTags = RunTags()
        var report = BenchReport()
        for kind in compare ? [TargetKind.stockroom, .redis] : [target] {
            let run = TargetRun(
                plan: plan, label: label.map { "\($0) \(kind.rawValue)" }, tls: kind == .stockroom && client.usesTLS,
                redisDurability: await observer?.durability(),
                memory: memory ? observer?.memoryProbe(settleTimeout: .milliseconds(Int64(settleTimeout * 1000))) : nil,
                redisCPU: observer?.cpu, server: kind == .stockroom ? serverPid.map(ServerProcess.init(pid:)) : nil
            )
            let loadTarget = try await connect(kind, group: group, observer: observer)
            let result: TargetResult
            do {
                result = try await run.run(loadTarget, runTag: runTags.next(), timers: group.next()) { Console.say($0) }
            } catch {
                await loadTarget.close()
                throw error
            }
            await loadTarget.close()
            switch kind {
            case .stockroom: report.stockroom = result
            case .redis: report.redis = result
            }
        }
        return report
    }

    private func workload() throws -> Workload {
        let distribution = try distribution.map(SKUDistribution.init(parsing:)) ?? (skus == 1 ? .hot : .uniform)
        return Workload(skuCount: skus, distribution: distribution, mix: try RequestMix(parsing: mix), quantity: qty, stockPerSKU: stock)
    }

    private func plan() throws -> LoadPlan {
        let bound: LoadBound = requests.map(LoadBound.requests) ?? .duration(seconds: duration ?? 10)
        return LoadPlan(
            connections: connections, pipeline: pipeline, bound: bound, rate: rate, workload: try workload(),
            seed: seed ?? UInt64.random(in: 0...UInt64.max)
        )
    }

    private func connect(_ kind: TargetKind, group: MultiThreadedEventLoopGroup, observer: RedisObserver?) async throws -> any LoadTarget {
        switch kind {
        case .stockroom:
            return try await StockroomTarget.connect(
                try client.configuration(clientName: "stockroom-bench"), adminToken: adminToken, connections: connections, group: group
            )
        case .redis:
            guard let observer else { throw ValidationError("--target redis needs --redis URL") }
            return try await RedisTarget.connect(observer.configuration, connections: connections, group: group, logger: RedisObserver.quietLogger)
        }
    }

    private func drawPlot(_ path: String, _ reports: [BenchReport]) throws {
        try PercentilePlot(title: title, reports: reports).svg().write(toFile: path, atomically: true, encoding: .utf8)
        Console.say("wrote \(path)")
    }
}

/// Fresh purchase-id tags, one per target run, never the same twice in a process.
struct RunTags {
    private var used: Set<String> = []
    private var generator = SystemRandomNumberGenerator()

    mutating func next() -> String {
        while true {
            let tag = PurchaseIDGenerator.randomRunTag(using: &generator)
            if used.insert(tag).inserted { return tag }
        }
    }
}
