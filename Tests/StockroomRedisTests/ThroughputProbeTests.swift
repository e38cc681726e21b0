// An opt-in throughput probe of the EVALSHA hot path (STOCKROOM_REDIS_PERF=1): prints ops/s for
// comparison with `redis-benchmark … evalsha`; asserts correctness only, never speed.

import Foundation
import NIOCore
import StockroomRedis
import TestSupport
import XCTest

final class ThroughputProbeTests: XCTestCase {
    func testEvalScriptThroughput() async throws {
        let environment = ProcessInfo.processInfo.environment
        guard environment["STOCKROOM_REDIS_PERF"] == "1" else {
            throw XCTSkip("set STOCKROOM_REDIS_PERF=1 (and build with -c release) to run the throughput probe")
        }
        let total = Int(environment["STOCKROOM_REDIS_PERF_N"] ?? "") ?? 500_000
        let window = Int(environment["STOCKROOM_REDIS_PERF_WINDOW"] ?? "") ?? 256
        // "batch" waits for a whole window before sending the next, like `redis-benchmark -P`;
        // the default keeps the window full at all times.
        let batches = environment["STOCKROOM_REDIS_PERF_MODE"] == "batch"
        let key = uniqueKeyPrefix() + "stock"
        let script = RedisScript(name: "sell", source: "return redis.call('HINCRBY', KEYS[1], 'sold', ARGV[1])")
        let url = try await TestRedis.sharedURL()
        try await withRedisConnection(url: url, scripts: [script]) { connection in
            let eventLoop = connection.eventLoop
            let finished = eventLoop.makePromise(of: Int.self)
            let start = ContinuousClock.now
            // Keeps `window` calls in flight from the event loop itself, like a server handling
            // many clients' frames.
            eventLoop.execute {
                var issued = 0
                var completed = 0
                var failures = 0
                func issue() {
                    issued += 1
                    connection.evalScript(script, keys: [key], arguments: ["1"]).assumeIsolated().whenComplete { result in
                        completed += 1
                        if case .failure = result { failures += 1 }
                        if completed == total {
                            finished.succeed(failures)
                        } else if !batches, issued < total {
                            issue()
                        } else if batches, completed == issued {
                            for _ in 0..<min(window, total - issued) {
                                issue()
                            }
                        }
                    }
                }
                for _ in 0..<min(window, total) {
                    issue()
                }
            }
            let failures = try await finished.futureResult.get()
            let elapsed = ContinuousClock.now - start
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            print("evalScript throughput: \(Int(Double(total) / seconds)) ops/s (\(total) calls, \(window) in flight, \(batches ? "batches" : "sliding window"))")
            XCTAssertEqual(failures, 0)
            let sold = try await connection.send(["HGET", key, "sold"]).get()
            XCTAssertEqual(sold.int, Int64(total))
            _ = try await connection.send(["DEL", key]).get()
        }
    }
}
