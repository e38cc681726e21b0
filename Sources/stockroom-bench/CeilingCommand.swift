import ArgumentParser
import Foundation
import NIOPosix
import StockroomBench
import StockroomCore
import StockroomRedis

/// `stockroom-bench ceiling`: redis-benchmark running one script with EVALSHA straight on Redis, for
/// the row Stockroom is measured against: the minimal purchase-shaped script (HGET, HINCRBY, XADD of
/// the sale), or Stockroom's full purchase script.
struct CeilingCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ceiling",
        abstract: "Run redis-benchmark on the minimal purchase-shaped script (or Stockroom's own) straight on Redis."
    )

    enum Script: String, ExpressibleByArgument, CaseIterable {
        case minimal, purchase
    }

    @Option(help: "The Redis URL.") var redis: String
    @Option(help: "minimal: HGET, HINCRBY and XADD of the sale; purchase: Stockroom's full purchase script.")
    var script: Script = .minimal
    @Option(help: "Connections, as redis-benchmark -c.") var connections = 50
    @Option(help: "Requests in flight per connection, as redis-benchmark -P.") var pipeline = 1
    @Option(help: "Seconds to run for (sized by a short first run).") var duration = 10.0
    @Option(help: "Requests to run instead of --duration.") var requests: Int?
    @Option(help: "Write the result as JSON to this file.") var json: String?
    @Option(help: "A name for this run in the JSON.") var label: String?

    func validate() throws {
        guard connections >= 1, pipeline >= 1, duration > 0, requests.map({ $0 >= 1 }) ?? true else {
            throw ValidationError("--connections, --pipeline, --duration and --requests must be positive")
        }
    }

    func run() async throws {
        let result = try await RedisObserver.with(url: redis, group: MultiThreadedEventLoopGroup.singleton) { observer in
            try await run(on: observer)
        }
        Console.say(result.line)
        try BenchReport(ceiling: result).save(to: json)
    }

    private func run(on observer: RedisObserver) async throws -> CeilingResult {
        let durability = await observer.durability()
        let call = try await prepare(on: observer)
        _ = try await observer.connection.send(["SCRIPT", "LOAD", call.script.source]).get()

        let benchmark = RedisBenchmark(redis: observer.configuration, connections: connections, pipeline: pipeline)
        Console.say("ceiling \(script.rawValue): redis-benchmark EVALSHA, -c \(connections) -P \(pipeline), Redis durability \(durability ?? "unknown")")
        let count: Int
        if let requests { count = requests } else { count = try await benchmark.requests(of: call, forAbout: duration) }
        let redisCPUAtStart = try await observer.cpu.seconds()
        let benchmarkCPUAtStart = ProcessCPU.childrenSeconds()
        let figures = try await benchmark.run(call, requests: count)
        let benchmarkCPU = ProcessCPU.microsecondsPerRequest(ProcessCPU.childrenSeconds() - benchmarkCPUAtStart, requests: count)
        let redisCPU = ProcessCPU.microsecondsPerRequest(try await observer.cpu.seconds() - redisCPUAtStart, requests: count)
        if script == .minimal {
            _ = try await observer.connection.send(["UNLINK"] + call.keys).get()
        }
        return CeilingResult(
            script: script.rawValue, label: label, benchmark: benchmark, requests: count, redisDurability: durability, figures: figures,
            redisCpuMicrosecondsPerRequest: redisCPU, loadGeneratorCpuMicrosecondsPerRequest: benchmarkCPU
        )
    }

    /// The call redis-benchmark repeats, with its SKU stocked so that every call sells. Purchase ids
    /// are 16 bytes: `bnch` and redis-benchmark's 12-digit `__rand_int__`.
    private func prepare(on observer: RedisObserver) async throws -> ScriptCall {
        let purchaseID = "bnch__rand_int__"
        let plenty = 1_000_000_000_000
        switch script {
        case .minimal:
            let call = CeilingScript.call(quantity: 1, purchaseID: purchaseID)
            _ = try await observer.connection.send(["HSET", call.keys[0], "stock", String(plenty)]).get()
            return call
        case .purchase:
            let store = SalesStore(keys: observer.keys, configuration: SalesConfiguration())
            let sku = "BENCH-CEILING"
            _ = try await store.setStock(StockUpdate(sku: sku, stock: plenty), actor: "stockroom-bench", on: observer.connection).get()
            let order = PurchaseOrder(sku: sku, quantity: 1, purchaseID: purchaseID, customer: "")
            return .purchase(order, partition: observer.keys.partition(of: sku), keys: observer.keys, limits: PurchaseLimits(SalesConfiguration()))
        }
    }
}
