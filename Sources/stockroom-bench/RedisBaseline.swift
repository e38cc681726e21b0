import Foundation
import Logging
import NIOPosix
import StockroomCore
import StockroomEmbeddedRedis
import StockroomRedis

/// redis-benchmark running Stockroom's own purchase script with EVALSHA straight against Redis: the
/// ceiling the server is measured against.
struct RedisBaseline {
    var redisURL: String
    var connections: Int
    var pipeline: Int
    var requests: Int

    private static let quietLogger = Logger(label: "stockroom.bench", factory: { _ in SwiftLogNoOpLogHandler() })

    func run() async throws -> ResultRow {
        let configuration = try RedisConfiguration(url: redisURL)
        let redis = try await RedisConnection.connect(
            configuration: configuration, eventLoop: MultiThreadedEventLoopGroup.singleton.next(), logger: Self.quietLogger
        ).get()
        _ = try await redis.send(["SCRIPT", "LOAD", StockroomScripts.purchase.source]).get()
        // The server under test created the data: the baseline uses its partition count, never a guess.
        let keys = try await KeySpace.recorded(on: redis)
        try await redis.close().get()
        let sku = "BENCH-BASELINE"
        // redis-benchmark replaces __rand_int__, so each call records a fresh purchase id, as the server's do.
        let purchase = PurchaseOrder(sku: sku, quantity: 1, purchaseID: "baseline-__rand_int__", customer: "bench")
        let call = ScriptCall.purchase(purchase, partition: keys.partition(of: sku), keys: keys, limits: PurchaseLimits(SalesConfiguration()))

        var arguments = ["-h", configuration.host, "-p", String(configuration.port), "-c", String(connections),
                         "-P", String(pipeline), "-n", String(requests), "-r", "1000000000", "--csv"]
        if let password = configuration.password { arguments += ["-a", password] }
        arguments += call.evalSHACommand
        let process = try SpawnedProcess.spawn("/usr/bin/env", arguments: ["redis-benchmark"] + arguments, output: .pipe)
        let data = FileHandle(fileDescriptor: process.standardOutput!, closeOnDealloc: true).readDataToEndOfFile()
        let status = SpawnedProcess.exitCode(process.waitForExit())
        guard status == 0 else {
            throw BaselineError(message: "redis-benchmark exited \(status): \(String(decoding: data, as: UTF8.self).suffix(500))")
        }
        // CSV: "test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms","p95_latency_ms","p99_latency_ms","max_latency_ms"
        let lines = String(decoding: data, as: UTF8.self).split(separator: "\n")
        guard let last = lines.last else { throw BaselineError(message: "redis-benchmark printed nothing") }
        let fields = last.split(separator: ",").map { $0.trimmingCharacters(in: CharacterSet(charactersIn: "\"")) }
        guard fields.count >= 7, let rps = Double(fields[1]), let p50 = Double(fields[4]), let p99 = Double(fields[6]) else {
            throw BaselineError(message: "unreadable redis-benchmark output: \(last)")
        }
        return ResultRow(name: "redis", connections: connections, pipeline: pipeline,
                         requestsPerSecond: rps, p50Milliseconds: p50, p99Milliseconds: p99)
    }
}

struct BaselineError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}
