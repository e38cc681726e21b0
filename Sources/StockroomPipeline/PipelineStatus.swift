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
    /// Partitions whose node could not be read (down, or failing over): the numbers above leave them out.
    public var unreachablePartitions: [Int]

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
        self.unreachablePartitions = []
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
        line += UnreachablePartitions.note(unreachablePartitions)
        return line
    }
}

/// Reads the state of every consumer group from Redis: what `stockroom status` prints and the
/// sweeper turns into gauges. A partition whose node cannot be reached is left out of the sums and
/// named in ``StreamStatus/unreachablePartitions``.
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
        let now = try await redisMilliseconds(on: redis)
        var result: [StreamStatus] = []
        for subscription in subscriptions {
            var status = StreamStatus(subscription: subscription)
            var oldest: Int64?
            for partition in 0..<keys.partitions {
                // One partition's node being down (a failover under way) must not hide the others.
                do {
                    let part = try await read(subscription, partition: partition, keys: keys, redis: redis)
                    status.add(part)
                    if let smallest = part.oldestPendingMilliseconds {
                        oldest = min(oldest ?? .max, smallest)
                    }
                } catch let error as RedisError where error.isUnavailable {
                    status.unreachablePartitions.append(partition)
                }
            }
            if let oldest {
                status.oldestPendingAge = .milliseconds(max(now - oldest, 0))
            }
            result.append(status)
        }
        return result
    }

    /// Redis's clock, in milliseconds since the epoch (`TIME`).
    public static func redisMilliseconds(on redis: RedisConnection) async throws -> Int64 {
        let clock = try await redis.send(["TIME"]).get()
        guard let parts = clock.array, parts.count == 2, let seconds = parts[0].int, let micros = parts[1].int else {
            throw StreamReplies.malformed("TIME", clock)
        }
        return seconds * 1000 + micros / 1000
    }

    /// One group's numbers on one partition.
    public struct PartitionPart: Sendable, Hashable {
        /// Entries in the partition's topic stream.
        public var length = 0
        /// Entries not yet delivered to the group; nil when Redis cannot tell.
        public var lag: Int?
        public var pending = 0
        public var consumers = 0
        public var groupExists = true
        public var retryLag = 0
        public var retryPending = 0
        public var deadLetters = 0
        /// The time (ms since 1970) of the oldest pending entry's id, topic or retry stream.
        public var oldestPendingMilliseconds: Int64?
    }

    /// One group's numbers on one partition: a handful of commands on the partition's node.
    public static func read(
        _ subscription: Subscription, partition: Int, keys: KeySpace, redis: RedisConnection
    ) async throws -> PartitionPart {
        let topic = subscription.topic
        let stream = keys.stream(topic, partition: partition)
        var part = PartitionPart()
        part.length = Int(try await redis.send(["XLEN", stream]).get().int ?? 0)
        var oldestIDs: [StreamID] = []
        if let info = try await groupInfo(stream: stream, group: subscription.group, on: redis) {
            part.lag = info.lag
            part.pending = info.pending
            part.consumers = info.consumers
            oldestIDs += info.oldestPendingID.map { [$0] } ?? []
        } else {
            part.groupExists = false
        }
        let retry = keys.retryStream(topic, group: subscription.group, partition: partition)
        if let info = try await groupInfo(stream: retry, group: subscription.group, on: redis) {
            part.retryLag = info.lag ?? 0
            part.retryPending = info.pending
            oldestIDs += info.oldestPendingID.map { [$0] } ?? []
        }
        let deadLetters = keys.deadLetterStream(topic, group: subscription.group, partition: partition)
        part.deadLetters = Int(try await redis.send(["XLEN", deadLetters]).get().int ?? 0)
        part.oldestPendingMilliseconds = oldestIDs.map { Int64($0.milliseconds) }.min()
        return part
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

extension StreamStatus {
    /// Adds one partition's numbers to the sums.
    mutating func add(_ part: PipelineStatus.PartitionPart) {
        length += part.length
        if let lag = part.lag, let known = lagIfKnown {
            lagIfKnown = known + lag
        } else if part.groupExists {
            lagIfKnown = nil
        }
        pending += part.pending
        consumers = max(consumers, part.consumers)
        groupExists = groupExists && part.groupExists
        retryLag += part.retryLag
        retryPending += part.retryPending
        deadLetters += part.deadLetters
    }
}
