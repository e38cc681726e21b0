import StockroomCore
import StockroomPipeline
import StockroomRedis

/// Measures what a run leaves in Redis (`--memory`): `used_memory` before the load; after it, once
/// the workers acknowledged every event (the events still in their streams); and after a trim.
///
/// The trim is the sweeper's own: `StreamTrimmer` with the sweeper's settings, run by the harness
/// so that the figure does not wait for the sweeper's next interval (30 s by default). It keeps
/// what any group still needs, like the sweeper, so running it beside a live sweeper is safe. A run
/// whose server has no workers leaves its events unacknowledged: nothing can be trimmed, and the
/// second figure is `n/a`.
public struct MemoryProbe: Sendable {
    public let redis: RedisConnection
    public let keys: KeySpace
    /// How long to wait for the workers to acknowledge every event after the load.
    public var settleTimeout: Duration

    public init(redis: RedisConnection, keys: KeySpace, settleTimeout: Duration) {
        self.redis = redis
        self.keys = keys
        self.settleTimeout = settleTimeout
    }

    /// What the probe read before the load.
    public struct Baseline: Sendable {
        var usedMemory: Int
        var salesEntries: Int
    }

    public func baseline() async throws -> Baseline {
        Baseline(usedMemory: try await usedMemory(), salesEntries: try await salesEntries())
    }

    /// - Parameters:
    ///   - purchases: purchase requests the load made.
    ///   - sales: new sales among them (each appended one `sales` entry).
    ///   - progress: gets a line every few seconds while it waits for the workers.
    public func measure(
        since baseline: Baseline,
        purchases: Int,
        sales: Int,
        progress: @Sendable (String) -> Void
    ) async throws -> RetainedMemory {
        var notes: [String] = []
        let caughtUp = try await waitForAcknowledgements(progress: progress)
        if !caughtUp.readers {
            notes.append("no consumer group reads sales (start the server with --workers ops or all): nothing acknowledged or trimmed the events")
        } else if !caughtUp.done {
            notes.append("the workers had not acknowledged every event after \(settleTimeout): figures taken anyway")
        }
        let inStreams = try await usedMemory()
        let appended = try await salesEntries() - baseline.salesEntries
        if appended < sales {
            notes.append("\(sales - appended) sales entries were trimmed before the first figure (a sweeper ran): it undercounts the events")
        }
        var afterTrim: Int?
        if caughtUp.readers {
            let trimmer = StreamTrimmer(keys: keys, subscriptions: Subscription.all, approximate: true)
            var trimmed = 0
            for topic in Topic.allCases { trimmed += try await trimmer.trim(topic: topic, on: redis) }
            progress("memory: trimmed \(Formatting.grouped(trimmed)) entries with the sweeper's trimmer")
            afterTrim = try await usedMemory()
        }
        return RetainedMemory(
            purchases: purchases, usedBefore: baseline.usedMemory, usedInStreams: inStreams, usedAfterTrim: afterTrim, notes: notes
        )
    }

    /// Waits until every consumer group that exists has nothing pending and nothing undelivered.
    private func waitForAcknowledgements(progress: @Sendable (String) -> Void) async throws -> (readers: Bool, done: Bool) {
        let deadline = ContinuousClock.now + settleTimeout
        var lastReport = ContinuousClock.now
        while true {
            let statuses = try await PipelineStatus.read(keys: keys, redis: redis, subscriptions: Subscription.all)
            let existing = statuses.filter(\.groupExists)
            guard existing.contains(where: { $0.subscription.topic == .sales }) else { return (false, false) }
            let behind = existing.filter { $0.lagIfKnown != 0 || $0.pending != 0 }
            if behind.isEmpty { return (true, true) }
            if ContinuousClock.now >= deadline { return (true, false) }
            if ContinuousClock.now - lastReport >= .seconds(5) {
                lastReport = ContinuousClock.now
                let state = behind.map { "\($0.subscription) lag=\($0.lagIfKnown.map(String.init) ?? "?") pending=\($0.pending)" }
                progress("memory: waiting for the workers: " + state.joined(separator: ", "))
            }
            try await Task.sleep(for: .milliseconds(250))
        }
    }

    private func usedMemory() async throws -> Int {
        let info = try await redis.send(["INFO", "memory"]).get().string ?? ""
        guard let used = RedisInfo.integer("used_memory", in: info) else {
            throw BenchError("Redis's INFO memory has no used_memory")
        }
        return used
    }

    private func salesEntries() async throws -> Int {
        var total = 0
        for stream in keys.streams(.sales) { total += Int(try await redis.send(["XLEN", stream]).get().int ?? 0) }
        return total
    }
}
