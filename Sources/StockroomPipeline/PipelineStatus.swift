import StockroomCore
import StockroomRedis

/// One consumer group's state on one topic, summed over the partitions.
public struct StreamStatus: Sendable, Hashable, CustomStringConvertible {
    public var subscription: Subscription
    /// Entries in the topic's streams (XLEN, all partitions): the same for every group of the topic.
    public var length: Int
    /// Entries of the topic not yet delivered to the group (XINFO GROUPS `lag`). Nil when Redis
    /// cannot tell (after deletions in the middle of the stream).
    public var lagIfKnown: Int?
    /// Delivered to a consumer, not acknowledged yet (XINFO GROUPS `pending`).
    public var pending: Int
    /// How long ago the oldest pending entry was appended (its id's time against Redis's clock).
    public var oldestPendingAge: Duration?
    /// Consumers the group knows (XINFO GROUPS `consumers`, largest over partitions).
    public var consumers: Int
    /// Redriven entries not yet delivered, and delivered but not acknowledged, in the retry streams.
    public var retryLag: Int
    public var retryPending: Int
    /// Entries in the group's dead-letter streams.
    public var deadLetters: Int
    /// False when the group does not exist on some partition stream (no worker has started yet).
    public var groupExists: Bool

    public init(subscription: Subscription) {
        self.subscription = subscription
        self.length = 0
        self.lagIfKnown = 0
        self.pending = 0
        self.oldestPendingAge = nil
        self.consumers = 0
        self.retryLag = 0
        self.retryPending = 0
        self.deadLetters = 0
        self.groupExists = true
    }

    /// The lag, counting an unknown one as 0.
    public var lag: Int { lagIfKnown ?? 0 }

    /// One line for `stockroom status`.
    public var description: String {
        var line = "\(subscription.topic.rawValue)/\(subscription.group): length=\(length)"
        line += " lag=\(lagIfKnown.map(String.init) ?? "?") pending=\(pending)"
        if let oldestPendingAge {
            line += " oldest_pending=\(oldestPendingAge.wholeMilliseconds)ms"
        }
        line += " consumers=\(consumers) retry_lag=\(retryLag) retry_pending=\(retryPending) dead_letters=\(deadLetters)"
        if !groupExists { line += " (group missing)" }
        return line
    }
}

/// Reads the state of every consumer group from Redis: what `stockroom status` prints and the
/// sweeper turns into gauges.
///
/// Per partition and group: `XLEN <stream>`, `XINFO GROUPS <stream>` (pending, lag, consumers),
/// `XPENDING <stream> <group>` (oldest pending id), the same for the retry stream, and
/// `XLEN <dead-letter stream>`.
public struct PipelineStatus: Sendable {
    public static func read(
        keys: KeySpace,
        redis: RedisConnection,
        subscriptions: [Subscription]
    ) async throws -> [StreamStatus] {
        let clock = try await redis.send(["TIME"]).get()
        guard let parts = clock.array, parts.count == 2, let seconds = parts[0].int, let micros = parts[1].int else {
            throw StreamReplies.malformed("TIME", clock)
        }
        let now = seconds * 1000 + micros / 1000

        var lengths: [Topic: Int] = [:]
        var result: [StreamStatus] = []
        for subscription in subscriptions {
            let topic = subscription.topic
            if lengths[topic] == nil {
                var total = 0
                for stream in keys.streams(topic) {
                    total += Int(try await redis.send(["XLEN", stream]).get().int ?? 0)
                }
                lengths[topic] = total
            }
            var status = StreamStatus(subscription: subscription)
            status.length = lengths[topic] ?? 0
            var oldest: Int64?
            for partition in 0..<keys.partitions {
                let stream = keys.stream(topic, partition: partition)
                if let info = try await groupInfo(stream: stream, group: subscription.group, on: redis) {
                    if let lag = info.lag, let known = status.lagIfKnown {
                        status.lagIfKnown = known + lag
                    } else {
                        status.lagIfKnown = nil
                    }
                    status.pending += info.pending
                    status.consumers = max(status.consumers, info.consumers)
                    if let smallest = info.oldestPendingID {
                        oldest = min(oldest ?? .max, Int64(smallest.milliseconds))
                    }
                } else {
                    status.groupExists = false
                }
                let retry = keys.retryStream(topic, group: subscription.group, partition: partition)
                if let info = try await groupInfo(stream: retry, group: subscription.group, on: redis) {
                    status.retryLag += info.lag ?? 0
                    status.retryPending += info.pending
                    if let smallest = info.oldestPendingID {
                        oldest = min(oldest ?? .max, Int64(smallest.milliseconds))
                    }
                }
                let deadLetters = keys.deadLetterStream(topic, group: subscription.group, partition: partition)
                status.deadLetters += Int(try await redis.send(["XLEN", deadLetters]).get().int ?? 0)
            }
            if let oldest {
                status.oldestPendingAge = .milliseconds(max(now - oldest, 0))
            }
            result.append(status)
        }
        return result
    }

    struct GroupInfo {
        var pending: Int
        var lag: Int?
        var consumers: Int
        var lastDeliveredID: String
        var oldestPendingID: StreamID?
    }

    /// XINFO GROUPS for one group of one stream; nil when the stream or the group does not exist.
    static func groupInfo(stream: String, group: String, on redis: RedisConnection) async throws -> GroupInfo? {
        let reply: RESPValue
        do {
            reply = try await redis.send(["XINFO", "GROUPS", stream]).get()
        } catch let error as RedisError where error.code == .errorReply && error.message.contains("no such key") {
            return nil
        }
        for item in reply.array ?? [] {
            let map = try StreamReplies.infoMap(item)
            guard map["name"]?.string == group else { continue }
            let pending = Int(map["pending"]?.int ?? 0)
            var info = GroupInfo(
                pending: pending,
                lag: (map["lag"]?.int).map { Int($0) },
                consumers: Int(map["consumers"]?.int ?? 0),
                lastDeliveredID: map["last-delivered-id"]?.string ?? "0-0",
                oldestPendingID: nil
            )
            if pending > 0 {
                let summary = try await redis.send(["XPENDING", stream, group]).get()
                info.oldestPendingID = summary.array.flatMap { $0.count > 1 ? $0[1].string : nil }.flatMap(StreamID.init)
            }
            return info
        }
        return nil
    }
}
