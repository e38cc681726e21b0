import Foundation
import NIOPosix
import StockroomEmbeddedRedis
import StockroomRedis

/// redis-benchmark running one EVALSHA call over and over: `-c` connections, `-P` in flight each.
public struct RedisBenchmark: Sendable {
    public var redis: RedisConfiguration
    public var connections: Int
    public var pipeline: Int

    public init(redis: RedisConfiguration, connections: Int, pipeline: Int) {
        self.redis = redis
        self.connections = connections
        self.pipeline = pipeline
    }

    /// What redis-benchmark's `--csv` line says.
    public struct Figures: Sendable, Hashable, Codable {
        public var throughput: Double
        public var latencyMs: Latency

        /// redis-benchmark's own percentiles (it has no p90 or p99.9).
        public struct Latency: Sendable, Hashable, Codable {
            public var mean: Double
            public var min: Double
            public var p50: Double
            public var p95: Double
            public var p99: Double
            public var max: Double
        }

        /// Reads the last line of `redis-benchmark --csv`:
        /// `"test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms","p95_latency_ms","p99_latency_ms","max_latency_ms"`.
        public init(csv: String) throws(BenchError) {
            guard let last = csv.split(whereSeparator: \.isNewline).last else { throw BenchError("redis-benchmark printed nothing") }
            let fields = last.split(separator: ",").map { $0.trimmingCharacters(in: CharacterSet(charactersIn: "\"")) }
            let numbers = fields.dropFirst().compactMap(Double.init)
            guard fields.count == 8, numbers.count == 7 else { throw BenchError("unreadable redis-benchmark output: \(last)") }
            throughput = numbers[0]
            latencyMs = Latency(mean: numbers[1], min: numbers[2], p50: numbers[3], p95: numbers[4], p99: numbers[5], max: numbers[6])
        }
    }

    /// Runs `call` `requests` times. The script must be loaded (`SCRIPT LOAD`) first. Waiting for
    /// redis-benchmark blocks a thread: a thread of NIO's pool, not the event loop the harness runs on.
    public func run(_ call: ScriptCall, requests: Int) async throws -> Figures {
        try await NIOThreadPool.singleton.runIfActive { try runBlocking(call, requests: requests) }
    }

    private func runBlocking(_ call: ScriptCall, requests: Int) throws -> Figures {
        // -r: `__rand_int__` becomes a random 12-digit number on each call (the purchase ids).
        var arguments = [
            "-h", redis.host, "-p", String(redis.port), "-c", String(connections), "-P", String(pipeline),
            "-n", String(requests), "-r", "2000000000", "--csv",
        ]
        if let password = redis.password { arguments += ["-a", password, "--no-auth-warning"] }
        if let username = redis.username { arguments += ["--user", username] }
        if redis.database != 0 { arguments += ["--dbnum", String(redis.database)] }
        arguments += call.evalSHACommand
        let process = try SpawnedProcess.spawn("/usr/bin/env", arguments: ["redis-benchmark"] + arguments, output: .pipe)
        let data = FileHandle(fileDescriptor: process.standardOutput!, closeOnDealloc: true).readDataToEndOfFile()
        let output = String(decoding: data, as: UTF8.self)
        let status = SpawnedProcess.exitCode(process.waitForExit())
        guard status == 0 else { throw BenchError("redis-benchmark exited \(status): \(output.suffix(500))") }
        return try Figures(csv: output)
    }

    /// How many requests of `call` take about `seconds`, from a short run that measures the rate.
    public func requests(of call: ScriptCall, forAbout seconds: Double) async throws -> Int {
        let probe = try await run(call, requests: max(20_000, connections * pipeline * 20))
        return max(10_000, Int(probe.throughput * seconds))
    }
}

/// The JSON report's `ceiling` object.
public struct CeilingResult: Sendable, Codable {
    /// `minimal` (HGET, HINCRBY, XADD) or `purchase` (Stockroom's full purchase script).
    public var script: String
    public var label: String?
    public var connections: Int
    public var pipeline: Int
    public var requests: Int
    public var redisDurability: String?
    public var throughput: Double
    public var latencyMs: RedisBenchmark.Figures.Latency
    /// CPU time Redis spent per call, as ``TargetResult/redisCpuMicrosecondsPerRequest``.
    public var redisCpuMicrosecondsPerRequest: Double?
    /// CPU time redis-benchmark itself spent per call: the load generator's share of the cores.
    public var loadGeneratorCpuMicrosecondsPerRequest: Double?

    public init(
        script: String, label: String?, benchmark: RedisBenchmark, requests: Int, redisDurability: String?, figures: RedisBenchmark.Figures,
        redisCpuMicrosecondsPerRequest: Double? = nil, loadGeneratorCpuMicrosecondsPerRequest: Double? = nil
    ) {
        self.script = script
        self.label = label
        self.connections = benchmark.connections
        self.pipeline = benchmark.pipeline
        self.requests = requests
        self.redisDurability = redisDurability
        self.throughput = figures.throughput
        self.latencyMs = figures.latencyMs
        self.redisCpuMicrosecondsPerRequest = redisCpuMicrosecondsPerRequest
        self.loadGeneratorCpuMicrosecondsPerRequest = loadGeneratorCpuMicrosecondsPerRequest
    }

    /// `ceiling minimal: 50 connections × 16 in flight: 121,212 req/s, p50 5.1 ms, p99 9.0 ms`.
    public var line: String {
        "ceiling \(script): \(connections) connections × \(pipeline) in flight: \(Formatting.grouped(throughput)) req/s, "
            + "p50 \(Formatting.milliseconds(latencyMs.p50)) ms, p99 \(Formatting.milliseconds(latencyMs.p99)) ms"
            + (redisCpuMicrosecondsPerRequest.map { ", Redis CPU \(String(format: "%.1f", $0)) µs/request" } ?? "")
            + (loadGeneratorCpuMicrosecondsPerRequest.map { ", redis-benchmark CPU \(String(format: "%.1f", $0)) µs/request" } ?? "")
    }
}
