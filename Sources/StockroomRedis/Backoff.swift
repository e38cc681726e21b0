// Backoff: exponential reconnect delays with jitter.

import NIOCore

/// Delays between reconnect attempts: `initial * multiplier^attempt`, capped at `maximum`, then
/// jittered down by up to half so that many clients losing the same Redis don't reconnect in lockstep.
public struct Backoff: Sendable, Hashable {
    public var initial: TimeAmount
    public var maximum: TimeAmount
    public var multiplier: Double

    public init(initial: TimeAmount, maximum: TimeAmount, multiplier: Double) {
        self.initial = initial
        self.maximum = maximum
        self.multiplier = multiplier
    }

    /// The un-jittered delay before attempt `attempt` (0 = first retry).
    public func baseDelay(attempt: Int) -> TimeAmount {
        let cap = Double(max(self.maximum.nanoseconds, 0))
        var nanos = Double(max(self.initial.nanoseconds, 0))
        var step = 0
        while step < attempt, nanos < cap {
            nanos *= max(self.multiplier, 1)
            step += 1
        }
        return .nanoseconds(Int64(min(nanos, cap)))
    }

    /// The delay before attempt `attempt`, uniformly jittered within [base/2, base].
    public func delay(attempt: Int) -> TimeAmount {
        var generator = SystemRandomNumberGenerator()
        return self.delay(attempt: attempt, using: &generator)
    }

    public func delay(attempt: Int, using generator: inout some RandomNumberGenerator) -> TimeAmount {
        let base = self.baseDelay(attempt: attempt).nanoseconds
        guard base > 1 else { return .nanoseconds(base) }
        return .nanoseconds(Int64.random(in: (base / 2)...base, using: &generator))
    }
}
