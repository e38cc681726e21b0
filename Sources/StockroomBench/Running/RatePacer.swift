/// The open loop's schedule, as wrk2 keeps it: request `i` of the run is due at
/// `start + i / rate`, whatever happened to the requests before it.
///
/// A request sent late (every slot was waiting for a slow answer) keeps its intended time, and its
/// latency is measured from there. Measuring from the actual send would hide the queueing a stall
/// causes, which is the coordinated omission wrk2 corrects.
public struct RatePacer: Sendable, Hashable {
    /// Requests per second, over the whole run.
    public let rate: Double
    /// When request 0 is due (monotonic nanoseconds).
    public let start: UInt64

    public init(rate: Double, start: UInt64) {
        precondition(rate > 0 && rate.isFinite, "a rate is positive")
        self.rate = rate
        self.start = start
    }

    /// When request `index` is due.
    public func intendedTime(of index: Int) -> UInt64 {
        start + UInt64((Double(index) * 1e9 / rate).rounded())
    }

    /// How many requests are due at `now`: those with intended time ≤ now.
    public func dueCount(at now: UInt64) -> Int {
        guard now >= start else { return 0 }
        var count = Int((Double(now - start) * rate / 1e9).rounded(.down)) + 1
        // Rounding in intendedTime may put a boundary request on either side: settle it exactly.
        while count > 0, intendedTime(of: count - 1) > now { count -= 1 }
        while intendedTime(of: count) <= now { count += 1 }
        return count
    }

    /// The latency of a request due at `intended` and answered at `answered`, counted from when it
    /// was due: a request answered before it was due (impossible unless clocks disagree) counts 0.
    public static func latency(intended: UInt64, answered: UInt64) -> UInt64 {
        answered > intended ? answered - intended : 0
    }
}
