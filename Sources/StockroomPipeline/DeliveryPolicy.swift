/// The delivery decisions of one consumer group, without Redis: when a pending entry is taken over,
/// left alone or dead-lettered; what follows a handler's outcome; and what happens to a batch's
/// unstarted entries at shutdown.
///
/// `Consumer` asks, then performs the answer (scripts, logs, metrics). Keeping the decisions here
/// lets every one of them be tested with made-up delivery counts and idle times instead of a Redis
/// and sleeps.
///
/// Delivery counts are Redis's own (XPENDING, XCLAIM), this delivery included, so crashes and kills
/// count too. Times are whole milliseconds because that is what XPENDING reports and the scripts take.
struct DeliveryPolicy: Sendable, Hashable {
    let visibilityTimeout: Duration
    let maxDeliveries: Int
    let maxBackoff: Duration
    let batchSize: Int

    init(_ configuration: ConsumerGroupConfiguration) {
        self.visibilityTimeout = configuration.visibilityTimeout
        self.maxDeliveries = configuration.maxDeliveries
        self.maxBackoff = configuration.maxBackoff
        self.batchSize = configuration.batchSize
    }

    // MARK: Backoff

    /// How long an entry delivered `deliveries` times must have been idle before it is taken again:
    /// `visibilityTimeout × 2^(deliveries-1)`, at most `maxBackoff`.
    func backoff(deliveries: Int) -> Duration {
        // Clamped before shifting: past 2^30 the cap has long applied, and a larger shift (or a
        // nonsense count) would overflow instead of saturating.
        let exponent = min(max(deliveries, 1), 31) - 1
        return min(visibilityTimeout * (1 << exponent), maxBackoff)
    }

    /// Redis counted the last allowed delivery: no further one may start.
    func isExhausted(deliveries: Int) -> Bool {
        deliveries >= maxDeliveries
    }

    // MARK: Reclaiming

    /// The `XPENDING … IDLE <minIdle> - + <count>` scan for candidates: nothing idle for less than the
    /// visibility timeout can be due, and a bounded page keeps one reclaim short.
    var reclaimScan: (minIdleMilliseconds: Int64, count: Int) {
        (visibilityTimeout.wholeMilliseconds, min(max(batchSize * 4, 32), 200))
    }

    /// What to do with one pending entry found while reclaiming.
    enum ReclaimAction: Sendable, Hashable {
        /// Its last allowed delivery crashed or hung: nobody will finish it. The dead-letter script
        /// checks both bounds again atomically, so a racing ack or claim wins.
        case deadLetter(minDeliveries: Int, minIdleMilliseconds: Int64)
        /// Take it over. Passing the backoff as XCLAIM's min-idle makes concurrent claimers race
        /// safely: the first claim resets the idle time and the others find it not due.
        case claim(minIdleMilliseconds: Int64)
        /// Not idle long enough for its backoff (or, on its last delivery, for the visibility timeout).
        case wait
        /// Due, but this reclaim already filled a batch; the next reclaim or another consumer takes it.
        case batchFull
    }

    /// - Parameters:
    ///   - deliveries: the entry's delivery count so far.
    ///   - idleMilliseconds: how long it has gone without an ack or a heartbeat.
    ///   - claimedSoFar: entries this reclaim has already taken.
    /// - Returns: what the reclaim does with the entry.
    func reclaim(deliveries: Int, idleMilliseconds: Int64, claimedSoFar: Int) -> ReclaimAction {
        if isExhausted(deliveries: deliveries) {
            let visibility = visibilityTimeout.wholeMilliseconds
            guard idleMilliseconds >= visibility else { return .wait }
            return .deadLetter(minDeliveries: maxDeliveries, minIdleMilliseconds: visibility)
        }
        let required = backoff(deliveries: deliveries).wholeMilliseconds
        guard idleMilliseconds >= required else { return .wait }
        guard claimedSoFar < batchSize else { return .batchFull }
        return .claim(minIdleMilliseconds: required)
    }

    // MARK: After the handler

    /// How a handler's call ended.
    enum HandlerOutcome: Sendable, Hashable {
        case succeeded
        /// It threw `PoisonEntry`.
        case poison(reason: String)
        /// It threw anything else; `error` describes it.
        case failed(error: String)
        /// It threw after its task was cancelled: the error is the cancellation's, not the entry's.
        case cancelled(error: String)

        /// Classifies what a handler threw. `PoisonEntry` wins even when cancelled: it says the entry
        /// itself is bad, which no retry changes.
        init(thrown error: any Error, whileCancelled: Bool) {
            if let poison = error as? PoisonEntry {
                self = .poison(reason: poison.reason)
            } else if whileCancelled {
                self = .cancelled(error: "\(error)")
            } else {
                self = .failed(error: Self.describe(error))
            }
        }

        /// The text kept in the failure record and the dead letter: type and message, bounded so a
        /// huge error cannot bloat Redis.
        static func describe(_ error: any Error) -> String {
            let text = "\(type(of: error)): \(error)"
            return text.count > 2000 ? String(text.prefix(2000)) + "…" : text
        }
    }

    /// What follows a handler's outcome.
    enum OutcomeAction: Sendable, Hashable {
        /// The effect is durable: XACK and forget the failure record.
        case acknowledge
        /// No retry can fix it: dead-letter now, whatever the delivery count.
        case deadLetterPoison(reason: String, error: String)
        /// This was the last allowed delivery and it failed.
        case deadLetterLastDelivery(error: String)
        /// Keep it pending and record the error; a reclaim takes it again after `retryAfter` idle.
        case recordFailure(error: String, retryAfter: Duration)
        /// Shutdown cut the handler short: leave the entry pending as it is, to be retried elsewhere.
        case leavePending(error: String)
    }

    /// - Parameters:
    ///   - outcome: how the handler's call ended.
    ///   - deliveries: the delivery count of the entry it handled, this delivery included.
    /// - Returns: what the consumer does with the entry next.
    func decide(after outcome: HandlerOutcome, deliveries: Int) -> OutcomeAction {
        switch outcome {
        case .succeeded:
            return .acknowledge
        case .poison(let reason):
            return .deadLetterPoison(reason: reason, error: PoisonEntry(reason).description)
        case .cancelled(let error):
            return .leavePending(error: error)
        case .failed(let error):
            if isExhausted(deliveries: deliveries) {
                return .deadLetterLastDelivery(error: error)
            }
            return .recordFailure(error: error, retryAfter: backoff(deliveries: deliveries))
        }
    }

    // MARK: Working through a batch

    /// What to do with the next entry of a batch.
    enum BatchStep: Sendable, Hashable {
        case handle
        /// Graceful shutdown: hand this and every later entry back, pending with their delivery count
        /// unchanged and idle for this long, which is past any backoff, so a live consumer takes them
        /// at its next reclaim instead of waiting out a visibility timeout.
        case handBack(idleMilliseconds: Int64)
        /// Cancelled: stop at once; what is not acknowledged stays pending and is retried after its backoff.
        case abandon
    }

    func nextInBatch(isCancelled: Bool, isShuttingDown: Bool) -> BatchStep {
        if isCancelled { return .abandon }
        if isShuttingDown { return .handBack(idleMilliseconds: maxBackoff.wholeMilliseconds) }
        return .handle
    }
}
