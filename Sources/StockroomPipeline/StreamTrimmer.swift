import Logging
import StockroomCore
import StockroomRedis

/// Trims topic and retry streams without ever removing an entry some group still needs.
///
/// One script per stream (`pipeline-trim`, atomic, so no read or ack interleaves): for every group
/// on the stream (XINFO GROUPS) the oldest entry it still needs is its smallest pending id (XPENDING
/// summary), or with nothing pending its last-delivered id; `XTRIM MINID` the minimum over all
/// groups. Entries below it were delivered to and acknowledged by every group; undelivered entries
/// lie above every last-delivered id. A stream is not trimmed at all when a group of `subscriptions`
/// is missing on it (its group would start at `0` and want those entries) or has no group.
/// Dead-letter streams are never trimmed: only `DeadLetters.purge` removes dead letters.
public struct StreamTrimmer: Sendable {
    public let keys: KeySpace
    /// The groups expected on each topic's streams.
    public let subscriptions: [Subscription]
    /// `XTRIM MINID ~`: cheaper, removes whole radix-tree nodes only, so it may keep more; and it
    /// goes in bounded steps of `stepLimit` entries, so a long backlog never blocks Redis for long.
    public var approximate: Bool
    /// Entries one approximate step removes at most; the trimmer repeats steps until it reaches the
    /// stream's MINID. Redis's own default for `XTRIM … ~` is 100 × stream-node-max-entries (10,000).
    public var stepLimit = 10_000
    /// Steps per stream per call at most (10,000 steps of 10,000: far more than any backlog here).
    public var maximumSteps = 10_000

    public init(keys: KeySpace, subscriptions: [Subscription], approximate: Bool = false) {
        self.keys = keys
        self.subscriptions = subscriptions
        self.approximate = approximate
    }

    /// Trims every partition stream of `topic`; returns how many entries were removed.
    public func trim(topic: Topic, on redis: RedisConnection, logger: Logger? = nil) async throws -> Int {
        var total = 0
        for partition in 0..<keys.partitions {
            total += try await trim(topic: topic, partition: partition, on: redis, logger: logger)
        }
        return total
    }

    /// Trims `topic`'s stream of one partition; returns how many entries were removed.
    public func trim(topic: Topic, partition: Int, on redis: RedisConnection, logger: Logger? = nil) async throws -> Int {
        let groups = subscriptions.filter { $0.topic == topic }.map(\.group)
        let removed = try await trim(stream: keys.stream(topic, partition: partition), requiredGroups: groups, on: redis, logger: logger)
        PipelineMetrics.trimmed(topic, removed)
        return removed
    }

    /// Trims the retry streams of `subscription`'s group; returns how many entries were removed.
    public func trimRetries(of subscription: Subscription, on redis: RedisConnection, logger: Logger? = nil) async throws -> Int {
        var total = 0
        for partition in 0..<keys.partitions {
            total += try await trimRetries(of: subscription, partition: partition, on: redis, logger: logger)
        }
        return total
    }

    /// Trims `subscription`'s retry stream of one partition.
    public func trimRetries(of subscription: Subscription, partition: Int, on redis: RedisConnection, logger: Logger? = nil) async throws -> Int {
        let stream = keys.retryStream(subscription.topic, group: subscription.group, partition: partition)
        return try await trim(stream: stream, requiredGroups: [subscription.group], on: redis, logger: logger)
    }

    /// Trims `stream` down to the oldest entry a group still needs: one exact step, or approximate
    /// steps of at most `stepLimit` entries until a step removes nothing.
    func trim(stream: String, requiredGroups: [String], on redis: RedisConnection, logger: Logger?) async throws -> Int {
        var total = 0
        for _ in 0..<maximumSteps {
            let removed = try await trimStep(stream: stream, requiredGroups: requiredGroups, on: redis, logger: logger)
            total += removed
            if removed == 0 || !approximate { break }
        }
        return total
    }

    private func trimStep(stream: String, requiredGroups: [String], on redis: RedisConnection, logger: Logger?) async throws -> Int {
        let call = ScriptCall.trim(stream, requiredGroups: requiredGroups, approximate: approximate, stepLimit: stepLimit)
        let reply = try await redis.run(call).get()
        let answer = try ScriptStatusReply(reply, script: "trim")
        let (status, values) = (answer.status, answer.values)
        switch status {
        case "TRIMMED":
            let count = Int(values.first?.int ?? 0)
            if count > 0 {
                logger?.debug(
                    "trimmed stream",
                    metadata: ["sr.stream": "\(stream)", "sr.count": "\(count)", "sr.min_id": "\(values.dropFirst().first?.string ?? "")"]
                )
            }
            return count
        case "MISSING_GROUP":
            logger?.info(
                "not trimming: an expected group is missing",
                metadata: ["sr.stream": "\(stream)", "sr.group": "\(values.first?.string ?? "")"]
            )
            return 0
        default:
            return 0
        }
    }
}
