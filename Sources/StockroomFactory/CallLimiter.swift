/// Bounds calls to a slow peer: at most `maxConcurrent` in flight, started at most `ratePerSecond`.
///
/// Waiters queue in FIFO order on continuations and sleep until their start time: no polling.
/// A cancelled waiter leaves the queue at once.
actor CallLimiter {
    private var available: Int
    private var waiters: [(id: UInt64, continuation: CheckedContinuation<Void, any Error>)] = []
    private var nextWaiterID: UInt64 = 0
    private var pacer: RatePacer

    init(maxConcurrent: Int, ratePerSecond: Double) {
        self.available = max(1, maxConcurrent)
        self.pacer = RatePacer(ratePerSecond: ratePerSecond)
    }

    /// Runs `body` within both limits.
    nonisolated func withPermit<T: Sendable>(_ body: () async throws -> T) async throws -> T {
        try await acquireSlot()
        do {
            let startAt = await reserveStart(now: .now)
            try await Task.sleep(until: startAt, clock: .continuous)
            let result = try await body()
            await releaseSlot()
            return result
        } catch {
            await releaseSlot()
            throw error
        }
    }

    private func reserveStart(now: ContinuousClock.Instant) -> ContinuousClock.Instant {
        pacer.reserve(now: now)
    }

    private func acquireSlot() async throws {
        if available > 0 {
            available -= 1
            return
        }
        let id = nextWaiterID
        nextWaiterID += 1
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                if Task.isCancelled {
                    continuation.resume(throwing: CancellationError())
                } else {
                    waiters.append((id, continuation))
                }
            }
        } onCancel: {
            Task { await self.cancelWaiter(id) }
        }
    }

    private func cancelWaiter(_ id: UInt64) {
        guard let index = waiters.firstIndex(where: { $0.id == id }) else { return }
        waiters.remove(at: index).continuation.resume(throwing: CancellationError())
    }

    // The slot passes straight to the next waiter, so a newcomer cannot overtake the queue.
    private func releaseSlot() {
        if waiters.isEmpty {
            available += 1
        } else {
            waiters.removeFirst().continuation.resume()
        }
    }
}

/// The rate half of the limiter, kept pure so that tests can drive it with made-up instants.
///
/// A reservation schedule (GCRA): each call reserves the next start time, `1/rate` after the
/// previous one; a caller that comes after a quiet spell starts at once. No bursts beyond one call.
struct RatePacer: Sendable {
    let interval: Duration
    private var nextStart: ContinuousClock.Instant?

    init(ratePerSecond: Double) {
        // A non-positive rate means "no rate limit"; a zero interval never delays.
        self.interval = ratePerSecond > 0 ? .nanoseconds(Int64(1e9 / ratePerSecond)) : .zero
    }

    /// When a call asked for at `now` may start; the slot is taken.
    mutating func reserve(now: ContinuousClock.Instant) -> ContinuousClock.Instant {
        let start = max(now, nextStart ?? now)
        nextStart = start + interval
        return start
    }
}
