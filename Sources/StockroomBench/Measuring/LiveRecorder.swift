import NIOConcurrencyHelpers

/// The tally every worker of a run records into, and the progress line reads once a second.
///
/// One lock for all: the load's tasks run on a couple of threads, so it is rarely contended, and
/// one tally keeps the per-SKU counts in one place whatever the number of workers.
public final class LiveRecorder: Sendable {
    private let tally: NIOLockedValueBox<RunTally>

    public init(skuCount: Int) {
        tally = NIOLockedValueBox(RunTally(skuCount: skuCount))
    }

    public func record(_ outcome: RequestOutcome, for request: BenchRequest, latencyNanoseconds: UInt64) {
        tally.withLockedValue { $0.record(outcome, for: request, latencyNanoseconds: latencyNanoseconds) }
    }

    /// What the progress line shows: requests so far, errors so far, p99 so far.
    public func progress(atNanoseconds now: UInt64) -> ProgressSample {
        tally.withLockedValue { tally in
            ProgressSample(
                nanoseconds: now, completed: tally.completed, errors: tally.errorCount,
                p99Milliseconds: tally.latencies.milliseconds(atPercentile: 99)
            )
        }
    }

    public func snapshot() -> RunTally {
        tally.withLockedValue { $0 }
    }
}
