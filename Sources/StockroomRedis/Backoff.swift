// Backoff: exponential reconnect delays with jitter.

/// Delays between reconnect attempts: `initial * multiplier^attempt`, capped at `maximum`, then
/// jittered down by up to half so that many clients losing the same Redis don't reconnect in lockstep.
public struct Backoff: Sendable, Hashable {
    public var initial: Duration
    public var maximum: Duration
    public var multiplier: Double

    public init(initial: Duration, maximum: Duration, multiplier: Double) {
        self.initial = initial
        self.maximum = maximum
        self.multiplier = multiplier
    }

    /// The un-jittered delay before attempt `attempt` (0 = first retry).
    public func baseDelay(attempt: Int) -> Duration {
        let cap = Double(max(Self.nanoseconds(self.maximum), 0))
        var nanos = Double(max(Self.nanoseconds(self.initial), 0))
        var step = 0
        while step < attempt, nanos < cap {
            nanos *= max(self.multiplier, 1)
            step += 1
        }
        return .nanoseconds(Int64(min(nanos, cap)))
    }

    /// The delay before attempt `attempt`, uniformly jittered within [base/2, base].
    public func delay(attempt: Int) -> Duration {
        var generator = SystemRandomNumberGenerator()
        return self.delay(attempt: attempt, using: &generator)
    }

    public func delay(attempt: Int, using generator: inout some RandomNumberGenerator) -> Duration {
        let base = Self.nanoseconds(self.baseDelay(attempt: attempt))
        guard base > 1 else { return .nanoseconds(base) }
        return .nanoseconds(Int64.random(in: (base / 2)...base, using: &generator))
    }

    private static func nanoseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        return seconds &* 1_000_000_000 &+ attoseconds / 1_000_000_000
    }
}
