import Histogram

/// Latencies in an HDR histogram (hdrhistogram-swift): microsecond resolution, 3 significant
/// digits, up to a minute. A longer latency counts as a minute, and `clamped` says how many did.
public struct LatencyHistogram: Sendable {
    public static let highestMicroseconds: UInt64 = 60_000_000

    public private(set) var histogram = Histogram<UInt64>(
        highestTrackableValue: LatencyHistogram.highestMicroseconds, numberOfSignificantValueDigits: .three
    )
    public private(set) var clamped = 0

    public init() {}

    public mutating func record(nanoseconds: UInt64) {
        let microseconds = nanoseconds / 1000
        if microseconds > Self.highestMicroseconds { clamped += 1 }
        _ = histogram.record(min(microseconds, Self.highestMicroseconds))
    }

    public mutating func add(_ other: LatencyHistogram) {
        histogram.add(other.histogram)
        clamped += other.clamped
    }

    public var count: UInt64 { histogram.totalCount }

    /// Milliseconds at `percentile` (0 … 100); 0 when nothing was recorded.
    public func milliseconds(atPercentile percentile: Double) -> Double {
        count == 0 ? 0 : Double(histogram.valueAtPercentile(percentile)) / 1000
    }

    public var summary: LatencySummary { LatencySummary(self) }

    /// The percentile distribution, as HdrHistogram's `outputPercentileDistribution` walks it
    /// (`ticksPerHalfDistance` points for each halving of the distance to 100%): what the plot draws.
    public func percentileCurve(ticksPerHalfDistance: Int = 5) -> [PercentilePoint] {
        guard count > 0 else { return [] }
        return histogram.percentiles(ticksPerHalfDistance: ticksPerHalfDistance).map { step in
            PercentilePoint(percentile: step.percentileLevelIteratedTo, milliseconds: Double(step.value) / 1000)
        }
    }
}

/// One point of a percentile distribution: `percentile` % of requests took at most `milliseconds`.
public struct PercentilePoint: Sendable, Hashable, Codable {
    public var percentile: Double
    public var milliseconds: Double

    public init(percentile: Double, milliseconds: Double) {
        self.percentile = percentile
        self.milliseconds = milliseconds
    }
}

/// The latency figures a result reports, in milliseconds.
public struct LatencySummary: Sendable, Hashable, Codable {
    public var p50: Double
    public var p90: Double
    public var p99: Double
    /// p99.9.
    public var p999: Double
    public var max: Double
    public var mean: Double

    public init(p50: Double, p90: Double, p99: Double, p999: Double, max: Double, mean: Double) {
        self.p50 = p50
        self.p90 = p90
        self.p99 = p99
        self.p999 = p999
        self.max = max
        self.mean = mean
    }

    public init(_ latencies: LatencyHistogram) {
        self.init(
            p50: latencies.milliseconds(atPercentile: 50),
            p90: latencies.milliseconds(atPercentile: 90),
            p99: latencies.milliseconds(atPercentile: 99),
            p999: latencies.milliseconds(atPercentile: 99.9),
            max: latencies.count == 0 ? 0 : Double(latencies.histogram.max) / 1000,
            mean: latencies.count == 0 ? 0 : latencies.histogram.mean / 1000
        )
    }
}
