import Foundation
import Logging
import NIOPosix
import StockroomCore
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
        let sha = try await redis.send(["SCRIPT", "LOAD", SalesScripts.purchase.source]).get().string ?? ""
        let partitions = Int(try await redis.send(["GET", KeySpace(partitions: 1).partitionCountKey]).get().int ?? 4)
        try await redis.close().get()
        let keys = KeySpace(partitions: partitions)
        let sku = "BENCH-BASELINE"
        let partition = keys.partition(of: sku)

        var arguments = ["-h", configuration.host, "-p", String(configuration.port), "-c", String(connections),
                         "-P", String(pipeline), "-n", String(requests), "-r", "1000000000", "--csv"]
        if let password = configuration.password { arguments += ["-a", password] }
        // redis-benchmark replaces __rand_int__, so each call records a fresh purchase id, as the server's do.
        arguments += ["EVALSHA", sha, "4", keys.skuKey(sku), keys.purchaseKey("baseline-__rand_int__", partition: partition),
                      keys.stream(.sales, partition: partition), keys.stream(.stockEmpty, partition: partition),
                      sku, "1", "baseline-__rand_int__", "bench", "86400", "1000"]
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["redis-benchmark"] + arguments
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw BaselineError(message: "redis-benchmark exited \(process.terminationStatus)")
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
