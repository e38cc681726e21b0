import NIOConcurrencyHelpers

/// When a run stops: after a number of requests, or after a time.
public enum LoadBound: Sendable, Hashable, CustomStringConvertible {
    case requests(Int)
    case duration(seconds: Double)

    public var description: String {
        switch self {
        case .requests(let count): "\(Formatting.grouped(count)) requests"
        case .duration(let seconds): "\(seconds.formatted) s"
        }
    }
}

extension Double {
    /// `5` for 5.0, `2.5` for 2.5.
    var formatted: String { self == rounded() ? String(Int(self)) : String(self) }
}

/// Hands out the right to send one more request, as the bound allows: the closed loop's workers
/// ask before each request, and the open loop's slots ask for the next due request.
public final class RequestTickets: Sendable {
    private let bound: LoadBound
    private let start: UInt64
    private let issued = NIOLockedValueBox(0)

    /// - Parameter start: when the run started (monotonic nanoseconds); a duration counts from it.
    public init(bound: LoadBound, start: UInt64) {
        self.bound = bound
        self.start = start
    }

    /// The index of the next request of a closed loop, or nil once the bound is reached at `now`.
    public func next(at now: UInt64) -> Int? {
        if case .duration(let seconds) = bound, now >= end(seconds) { return nil }
        return issue()
    }

    /// The next request of an open loop with its intended time, or nil when it is due after the
    /// bound (a duration bounds intended times, so the run sends `duration × rate` requests).
    public func next(pacedBy pacer: RatePacer) -> (index: Int, intended: UInt64)? {
        guard let index = issue() else { return nil }
        let intended = pacer.intendedTime(of: index)
        if case .duration(let seconds) = bound, intended >= end(seconds) { return nil }
        return (index, intended)
    }

    private func issue() -> Int? {
        issued.withLockedValue { issued in
            if case .requests(let limit) = bound, issued >= limit { return nil }
            defer { issued += 1 }
            return issued
        }
    }

    private func end(_ seconds: Double) -> UInt64 {
        start + UInt64(seconds * 1e9)
    }
}
