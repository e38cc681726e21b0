import StockroomCore
import StockroomPipeline
import StockroomRedis

/// What the console's overview shows, read in O(partitions) commands: no SCAN, no KEYS.
public struct ConsoleOverview: Sendable, Codable {
    public struct Group: Sendable, Codable {
        public var topic: String
        public var group: String
        public var lag: Int?
        public var pending: Int
        public var oldestPendingSeconds: Double?
        public var deadLetters: Int
        public var unreachablePartitions: [Int]
    }

    /// The open or requested order whose deadline comes first.
    public struct NextDeadline: Sendable, Codable {
        public var order: String
        public var ageSeconds: Double?
        /// Negative once the deadline has passed.
        public var secondsToDeadline: Double
    }

    public var rates: [StreamRates.Rate]
    public var ordersWaiting: Int
    public var ordersOverdue: Int
    public var nextDeadline: NextDeadline?
    public var groups: [Group]
    public var partitions: Int
    public var unreachablePartitions: [Int]
}

/// One group on one partition, for the streams page.
public struct ConsoleStreamRow: Sendable, Codable {
    public var topic: String
    public var group: String
    public var partition: Int
    public var tag: String
    public var node: String?
    public var length: Int?
    public var lag: Int?
    public var pending: Int?
    public var consumers: Int?
    public var deadLetters: Int?
    /// Why the partition could not be read.
    public var failure: String?
}

/// Reads the console's data from Redis.
public struct ConsoleData: Sendable {
    public let keys: KeySpace
    public let redis: RedisConnection
    public let rates: StreamRates
    public let subscriptions: [Subscription]
    /// Dead letters a bulk redrive moves per second (`--redrive-rate`).
    public let redriveRate: Int

    public static let defaultRedriveRate = 100

    public init(
        keys: KeySpace, redis: RedisConnection, subscriptions: [Subscription] = Subscription.all, redriveRate: Int = defaultRedriveRate
    ) {
        self.keys = keys
        self.redis = redis
        self.redriveRate = redriveRate
        self.rates = StreamRates(keys: keys, redis: redis)
        self.subscriptions = subscriptions
    }

    public func overview() async throws -> ConsoleOverview {
        let statuses = try await PipelineStatus.read(keys: keys, redis: redis, subscriptions: subscriptions)
        let orders = try await FactoryOrderSummary.read(keys: keys, redis: redis)
        let groups = statuses.map { status in
            ConsoleOverview.Group(
                topic: status.subscription.topic.rawValue, group: status.subscription.group,
                lag: status.lagIfKnown.map { $0 + status.retryLag }, pending: status.pending + status.retryPending,
                oldestPendingSeconds: status.oldestPendingAge.map { Double($0.wholeMilliseconds) / 1000 },
                deadLetters: status.deadLetters, unreachablePartitions: status.unreachablePartitions
            )
        }
        return ConsoleOverview(
            rates: try await rates.rates(),
            ordersWaiting: orders.waiting,
            ordersOverdue: orders.overdue,
            nextDeadline: try await nextDeadline(),
            groups: groups,
            partitions: keys.partitions,
            unreachablePartitions: Array(Set(statuses.flatMap(\.unreachablePartitions) + orders.unreachablePartitions)).sorted()
        )
    }

    /// The first deadline of each partition's due set (one `ZRANGE … 0 0` each), the earliest of them,
    /// and its order's age.
    func nextDeadline() async throws -> ConsoleOverview.NextDeadline? {
        var earliest: (order: String, partition: Int, deadline: Int64)?
        for partition in 0..<keys.partitions {
            let reply: RESPValue
            do {
                reply = try await redis.send(["ZRANGE", keys.ordersDueKey(partition: partition), "0", "0", "WITHSCORES"]).get()
            } catch let error as RedisError where error.isUnavailable {
                continue
            }
            guard let pair = reply.array, pair.count == 2, let order = pair[0].string, let score = pair[1].string.flatMap(Double.init)
            else { continue }
            if earliest.map({ Int64(score) < $0.deadline }) ?? true {
                earliest = (order, partition, Int64(score))
            }
        }
        guard let earliest else { return nil }
        let now = try await PipelineStatus.redisMilliseconds(on: redis)
        let opened = try await redis.send(["HGET", keys.orderKey(earliest.order, partition: earliest.partition), "opened_at"]).get()
        return ConsoleOverview.NextDeadline(
            order: earliest.order,
            ageSeconds: opened.string.flatMap(Int64.init).map { Double(now - $0) / 1000 },
            secondsToDeadline: Double(earliest.deadline - now) / 1000
        )
    }

    /// Every group on every partition, with the partition's node: a few commands per group and partition.
    public func streamRows() async -> [ConsoleStreamRow] {
        var rows: [ConsoleStreamRow] = []
        for partition in 0..<keys.partitions {
            let tag = keys.tag(partition)
            let node = await redis.node(serving: tag).map { "\($0)" }
            for subscription in subscriptions {
                var row = ConsoleStreamRow(
                    topic: subscription.topic.rawValue, group: subscription.group, partition: partition,
                    tag: String(tag.drop { $0 != "{" }), node: node
                )
                do {
                    let part = try await PipelineStatus.read(subscription, partition: partition, keys: keys, redis: redis)
                    row.length = part.length
                    row.lag = part.lag.map { $0 + part.retryLag }
                    row.pending = part.pending + part.retryPending
                    row.consumers = part.consumers
                    row.deadLetters = part.deadLetters
                } catch {
                    row.failure = "\(error)"
                }
                rows.append(row)
            }
        }
        return rows
    }
}

extension ConsoleData {
    var deadLetters: DeadLetters { DeadLetters(keys: keys, redis: redis, subscriptions: subscriptions) }

    /// Every group's name, `topic/group`.
    var groupNames: [String] { subscriptions.map { "\($0.topic.rawValue)/\($0.group)" } }

    /// The group named `topic/group`, among the console's.
    func subscription(named name: String) -> Subscription? {
        subscriptions.first { "\($0.topic.rawValue)/\($0.group)" == name }
    }

    /// The dead-letter query of a page's filter; nil when it names a group the console does not know.
    func query(_ filter: DeadLettersPage.Filter, after: StreamPageCursor?, pageSize: Int) -> DeadLetterQuery? {
        let subscription = subscription(named: filter.group)
        if !filter.group.isEmpty, subscription == nil { return nil }
        return DeadLetterQuery(
            subscription: subscription, sku: filter.sku.isEmpty ? nil : filter.sku, errorText: filter.error.isEmpty ? nil : filter.error,
            since: DeadLettersPage.milliseconds(fromLocalTime: filter.since),
            // A minute's input covers that whole minute.
            until: DeadLettersPage.milliseconds(fromLocalTime: filter.until).map { $0 + 59_999 },
            after: after, pageSize: pageSize
        )
    }

    public func deadLetterPage(_ query: DeadLetterQuery) async throws -> DeadLetterPage {
        try await deadLetters.page(query)
    }

    /// The dead letter `reference` (`p3:<id>`) of the group named `topic/group`; nil when there is none.
    public func deadLetter(group: String, reference: String) async throws -> DeadLetter? {
        guard let subscription = subscription(named: group), reference.hasPrefix("p"), reference.contains(":") else { return nil }
        return try await deadLetters.show(id: reference, subscription: subscription).first
    }
}
