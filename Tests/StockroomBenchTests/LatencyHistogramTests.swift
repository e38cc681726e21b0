import StockroomBench
import XCTest

final class LatencyHistogramTests: XCTestCase {
    /// 1 … 1000 ms, once each: every percentile is known exactly, up to the histogram's 3 digits.
    private func oneToAThousandMilliseconds() -> LatencyHistogram {
        var histogram = LatencyHistogram()
        for milliseconds in 1...1000 { histogram.record(nanoseconds: UInt64(milliseconds) * 1_000_000) }
        return histogram
    }

    func testPercentilesOfAKnownDistribution() {
        let summary = oneToAThousandMilliseconds().summary
        XCTAssertEqual(summary.p50, 500, accuracy: 0.5)
        XCTAssertEqual(summary.p90, 900, accuracy: 0.9)
        XCTAssertEqual(summary.p99, 990, accuracy: 1)
        XCTAssertEqual(summary.p999, 999, accuracy: 1)
        XCTAssertEqual(summary.max, 1000, accuracy: 1)
        XCTAssertEqual(summary.mean, 500.5, accuracy: 0.5)
    }

    func testSubMillisecondLatenciesKeepMicrosecondResolution() {
        var histogram = LatencyHistogram()
        for _ in 0..<99 { histogram.record(nanoseconds: 120_000) }  // 0.120 ms
        histogram.record(nanoseconds: 3_450_000)  // 3.45 ms
        XCTAssertEqual(histogram.milliseconds(atPercentile: 50), 0.120, accuracy: 0.0005)
        XCTAssertEqual(histogram.milliseconds(atPercentile: 99), 0.120, accuracy: 0.0005)
        XCTAssertEqual(histogram.milliseconds(atPercentile: 100), 3.45, accuracy: 0.005)
    }

    func testAnEmptyHistogramReportsZeros() {
        XCTAssertEqual(LatencyHistogram().summary, LatencySummary(p50: 0, p90: 0, p99: 0, p999: 0, max: 0, mean: 0))
        XCTAssertEqual(LatencyHistogram().percentileCurve(), [])
    }

    func testLatenciesAboveAMinuteCountAsAMinuteAndAreCounted() {
        var histogram = LatencyHistogram()
        histogram.record(nanoseconds: 90_000_000_000)
        histogram.record(nanoseconds: 1_000_000)
        XCTAssertEqual(histogram.count, 2)
        XCTAssertEqual(histogram.clamped, 1)
        XCTAssertEqual(histogram.summary.max, 60_000, accuracy: 60)
    }

    func testMergingAddsTheCountsOfBoth() {
        var fast = LatencyHistogram()
        var slow = LatencyHistogram()
        for _ in 0..<900 { fast.record(nanoseconds: 1_000_000) }
        for _ in 0..<100 { slow.record(nanoseconds: 10_000_000) }
        fast.add(slow)
        XCTAssertEqual(fast.count, 1000)
        XCTAssertEqual(fast.milliseconds(atPercentile: 90), 1, accuracy: 0.001)
        XCTAssertEqual(fast.milliseconds(atPercentile: 91), 10, accuracy: 0.01)
    }

    func testThePercentileCurveRisesToTheMaximumAt100Percent() throws {
        let curve = oneToAThousandMilliseconds().percentileCurve()
        XCTAssertGreaterThan(curve.count, 10)
        XCTAssertEqual(curve.map(\.percentile), curve.map(\.percentile).sorted())
        XCTAssertEqual(curve.map(\.milliseconds), curve.map(\.milliseconds).sorted())
        let last = try XCTUnwrap(curve.last)
        XCTAssertEqual(last.percentile, 100)
        XCTAssertEqual(last.milliseconds, 1000, accuracy: 1)
    }
}
