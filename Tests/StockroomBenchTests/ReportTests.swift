import StockroomBench
import XCTest

/// The exact lines scripts read, and the parsers of what Redis, redis-benchmark and /proc print.
final class ReportTests: XCTestCase {
    func testTheMemoryLineIsExact() {
        let measured = RetainedMemory(purchases: 1_000_000, usedBefore: 1_000_000, usedInStreams: 521_400_000, usedAfterTrim: 101_000_000)
        XCTAssertEqual(measured.line, "memory bytes_per_purchase=520 after_trim=100")
        let untrimmed = RetainedMemory(purchases: 4, usedBefore: 100, usedInStreams: 1100, usedAfterTrim: nil)
        XCTAssertEqual(untrimmed.line, "memory bytes_per_purchase=250 after_trim=n/a")
        XCTAssertEqual(RetainedMemory(purchases: 0, usedBefore: 0, usedInStreams: 10, usedAfterTrim: 5).line,
                       "memory bytes_per_purchase=n/a after_trim=n/a")
    }

    func testRedisInfoFieldsAreRead() {
        let info = "# Memory\r\nused_memory:1234567\r\nused_memory_human:1.18M\r\nused_memory_rss:9999\r\n"
        XCTAssertEqual(RedisInfo.integer("used_memory", in: info), 1_234_567)
        XCTAssertEqual(RedisInfo.value(of: "used_memory_human", in: info), "1.18M")
        XCTAssertNil(RedisInfo.integer("used_memory_peak", in: info))
    }

    func testRedisBenchmarkCSVIsRead() throws {
        let csv = """
            "test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms","p95_latency_ms","p99_latency_ms","max_latency_ms"
            "EVALSHA 3f2a…","121212.12","6.321","0.824","6.175","8.119","9.023","14.655"
            """
        let figures = try RedisBenchmark.Figures(csv: csv)
        XCTAssertEqual(figures.throughput, 121_212.12)
        XCTAssertEqual(figures.latencyMs.p50, 6.175)
        XCTAssertEqual(figures.latencyMs.p99, 9.023)
        XCTAssertEqual(figures.latencyMs.max, 14.655)
        XCTAssertThrowsError(try RedisBenchmark.Figures(csv: ""))
        XCTAssertThrowsError(try RedisBenchmark.Figures(csv: "\"EVALSHA\",\"oops\""))
    }

    func testResidentMemoryIsReadFromProcStatus() {
        let status = "Name:\tstockroom\nVmPeak:\t  900000 kB\nVmRSS:\t   45236 kB\nThreads:\t3\n"
        XCTAssertEqual(ServerProcess.residentBytes(status: status), 45_236 * 1024)
        XCTAssertNil(ServerProcess.residentBytes(status: "Name:\tx\n"))
    }

    func testNumbersAreGroupedTheSameWhateverTheLocale() {
        XCTAssertEqual(Formatting.grouped(0), "0")
        XCTAssertEqual(Formatting.grouped(999), "999")
        XCTAssertEqual(Formatting.grouped(41_234), "41,234")
        XCTAssertEqual(Formatting.grouped(1_000_000_000_000), "1,000,000,000,000")
        XCTAssertEqual(Formatting.grouped(-1_500), "-1,500")
        XCTAssertEqual(Formatting.grouped(41_233.6), "41,234")
    }

    func testTheProgressLineShowsTheRateSinceTheLastSample() {
        let previous = ProgressSample(nanoseconds: 1_000_000_000, completed: 10_000, errors: 0, p99Milliseconds: 2)
        let current = ProgressSample(nanoseconds: 2_000_000_000, completed: 51_234, errors: 3, p99Milliseconds: 3.21)
        XCTAssertEqual(current.line(since: previous, target: "stockroom", second: 2), "  stockroom    2 s  41,234 req/s  errors 3  p99 3.210 ms")
    }
}
