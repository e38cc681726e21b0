import Logging
import Metrics
import NIOConcurrencyHelpers
import NIOCore
import ServiceLifecycle
import StockroomCore
import StockroomRedis

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Runs one consumer group: `consumers` consumers, each reading every partition of the topic (its
/// stream and the group's retry stream there), handing each entry to the handler and acknowledging it
/// after the handler returned.
///
/// A consumer reads each partition on its own connection, blocked on that partition only: one read
/// of several partitions' streams would span several hash tags, which Redis Cluster refuses
/// (CROSSSLOT). An idle group costs Redis `consumers × partitions` reads per `block` (with the
/// defaults, 2 × 12 per second) and one XPENDING per stream and consumer every `reclaimInterval`.
/// A consumer that cannot read its partition (its node down, say) retries with backoff and counts
/// in ``unreadablePartitions`` and the `stockroom_pipeline_partition_unreadable` gauge meanwhile;
/// the other partitions are read as usual.
///
/// Before its first read of a partition, a consumer creates the group on the partition's streams
/// (`XGROUP CREATE <stream> <group> 0 MKSTREAM`; an existing group is left as it is), and again
/// after `NOGROUP`. Starting at `0` means a new group also gets the
/// entries appended before it first ran, as long as the trimmer kept them (it keeps everything an
/// existing group still needs, and trims nothing of a topic whose expected groups are missing).
///
/// Each consumer loops:
/// 1. every `reclaimInterval`: `XPENDING <stream> <group> IDLE <visibility> - + n` on each stream; an
///    entry delivered `d` times and idle ≥ `backoff(d)` is taken with `XCLAIM … <backoff(d)> <id>`
///    (the min-idle argument makes concurrent claimers race safely: one wins); one delivered
///    `maxDeliveries` times and idle ≥ visibility is dead-lettered (its last delivery crashed);
/// 2. otherwise `XREADGROUP GROUP <group> <consumer> COUNT <batch> BLOCK <block> STREAMS <stream>
///    <retry stream> > >` on its own connection for that partition (a blocking read holds its
///    connection);
/// 3. handles the batch one entry at a time, refreshing the claims of the batch's unfinished entries
///    every `heartbeatInterval`; acknowledges (script: XACK + forget the failure record) after each
///    handler returns; records a failure (still pending, retried later), or dead-letters at once for
///    `PoisonEntry` or when this was delivery `maxDeliveries`.
///
/// Graceful shutdown is swift-service-lifecycle's (run the worker in a `ServiceGroup`; there is no
/// other way to stop it gently): it stops reading, lets the handler in flight finish and
/// acknowledges it, hands the batch's unstarted entries back (their idle time is set past the
/// backoff, so a live consumer takes them at its next reclaim) and removes the consumer from the
/// group if it owns nothing. Task cancellation stops at once: whatever is not acknowledged stays
/// pending and is retried elsewhere. The delivery decisions themselves are `DeliveryPolicy`'s.
/// Redis failures are retried with backoff; a lost group (`NOGROUP`) is created again.
public final class ConsumerGroupWorker: Service, Sendable {
    public let configuration: ConsumerGroupConfiguration
    public let keys: KeySpace
    public let redis: RedisConfiguration
    /// `<hostname>-<pid>-<random>-<n>`: unique per process and worker, readable in XINFO CONSUMERS.
    public let consumerNames: [String]
    private let handler: any EntryHandler
    private let eventLoopGroup: any EventLoopGroup
    private let logger: Logger
    private let context: GroupContext

    /// - Parameters:
    ///   - eventLoopGroup: where the Redis connections run (`MultiThreadedEventLoopGroup.singleton`).
    public init(
        configuration: ConsumerGroupConfiguration,
        keys: KeySpace,
        redis: RedisConfiguration,
        handler: any EntryHandler,
        eventLoopGroup: any EventLoopGroup,
        logger: Logger,
        metricsFactory: any MetricsFactory = MetricsSystem.factory
    ) {
        var logger = logger
        logger[metadataKey: "sr.topic"] = "\(configuration.subscription.topic.rawValue)"
        logger[metadataKey: "sr.group"] = "\(configuration.subscription.group)"
        self.configuration = configuration
        self.keys = keys
        self.redis = PipelineScripts.registered(in: redis)
        self.handler = handler
        self.eventLoopGroup = eventLoopGroup
        self.logger = logger
        let prefix = ConsumerNames.processPrefix
        self.consumerNames = (0..<configuration.consumers).map { _ in "\(prefix)-\(ConsumerNames.nextIndex())" }
        self.context = GroupContext(configuration: configuration, keys: keys, logger: logger, metricsFactory: metricsFactory)
    }

    /// The partitions some consumer of this worker currently fails to read (its node down or
    /// unreachable, the stream unusable), as the `stockroom_pipeline_partition_unreadable` gauge shows.
    public var unreadablePartitions: [Int] { context.readHealth.unreadablePartitions }

    public func run() async throws {
        logger.info(
            "consumer group starting",
            metadata: ["sr.consumers": "\(consumerNames.joined(separator: ","))", "sr.partitions": "\(keys.partitions)"]
        )
        guard let control = try await connectRetrying(redis, eventLoop: eventLoopGroup.next(), logger: logger) else {
            return
        }
        do {
            // Nothing waits for a single key here: the groups are created by each partition's consumers,
            // and the settings are recorded beside the reading (their key lives on one node, which may
            // be down), so that a node that is down holds up only its own partitions.
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    _ = try? await retrying("record group settings", logger: self.logger, metrics: self.context.metrics, untilShutdown: true) {
                        try await GroupSettings(self.configuration).record(for: self.configuration.subscription, keys: self.keys, on: control)
                    }
                }
                for name in consumerNames {
                    for partition in 0..<keys.partitions {
                        group.addTask {
                            try await self.consume(as: name, partition: partition, control: control)
                        }
                    }
                }
                try await group.waitForAll()
            }
            try? await control.close().get()
            logger.info("consumer group stopped")
        } catch {
            try? await control.close().get()
            throw error
        }
    }

    /// One consumer's reading of one partition, on a connection of its own, until shutdown.
    private func consume(as name: String, partition: Int, control: RedisConnection) async throws {
        guard let reader = try await connectRetrying(redis, eventLoop: eventLoopGroup.next(), logger: logger) else {
            return
        }
        let consumer = Consumer(name: name, partition: partition, context: context, control: control, reader: reader, handler: handler)
        do {
            try await consumer.run()
            await consumer.retire()
            try? await reader.close().get()
        } catch {
            try? await reader.close().get()
            throw error
        }
    }
}

/// What every consumer of one group shares.
struct GroupContext: Sendable {
    let configuration: ConsumerGroupConfiguration
    let subscription: Subscription
    let group: String
    let streams: [GroupStream]
    let streamsByKey: [String: GroupStream]
    let logger: Logger
    let metrics: PipelineMetrics
    let readHealth: PartitionReadHealth
    let policy: DeliveryPolicy
    let keys: KeySpace

    init(configuration: ConsumerGroupConfiguration, keys: KeySpace, logger: Logger, metricsFactory: any MetricsFactory) {
        self.configuration = configuration
        self.keys = keys
        self.policy = DeliveryPolicy(configuration)
        self.subscription = configuration.subscription
        self.group = configuration.subscription.group
        self.streams = keys.groupStreams(configuration.subscription)
        self.streamsByKey = Dictionary(uniqueKeysWithValues: streams.map { ($0.key, $0) })
        self.logger = logger
        self.metrics = PipelineMetrics(configuration.subscription, factory: metricsFactory)
        self.readHealth = PartitionReadHealth(metrics: metrics)
    }

    /// `XGROUP CREATE <stream> <group> 0 MKSTREAM` on `partition`'s streams; an existing group is kept.
    func ensureGroups(partition: Int, on redis: RedisConnection) async throws {
        try await createGroups(streams.filter { $0.partition == partition }.map(\.key), group: group, on: redis)
    }
}

/// Creates `group` on each stream (at `0`, creating the stream), leaving existing groups alone.
func createGroups(_ streams: [String], group: String, on redis: RedisConnection) async throws {
    let replies = streams.map { redis.send(["XGROUP", "CREATE", $0, group, "0", "MKSTREAM"]) }
    for reply in replies {
        do {
            _ = try await reply.get()
        } catch let error as RedisError where error.code == .errorReply && error.message.hasPrefix("BUSYGROUP") {
            continue
        }
    }
}

/// Connects, retrying with backoff while Redis is unreachable. Nil when a graceful shutdown came first.
func connectRetrying(
    _ configuration: RedisConfiguration,
    eventLoop: any EventLoop,
    logger: Logger
) async throws -> RedisConnection? {
    var attempt = 0
    while true {
        try Task.checkCancellation()
        if Task.isShuttingDownGracefully { return nil }
        do {
            return try await RedisConnection.connect(configuration: configuration, eventLoop: eventLoop, logger: logger).get()
        } catch {
            let delay = retryBackoff.delay(attempt: attempt)
            attempt += 1
            logger.warning(
                "cannot connect to Redis; retrying",
                metadata: ["sr.error": "\(error)", "sr.retry_in_ms": "\(delay.wholeMilliseconds)"]
            )
            try await Task.sleep(for: delay)
        }
    }
}

/// Pauses between retries of Redis operations.
let retryBackoff = Backoff(initial: .milliseconds(50), maximum: .seconds(2), multiplier: 2)

/// Runs `body` until it succeeds or `attempts` are used, retrying Redis failures with backoff.
/// Cancellation ends it; with `untilShutdown`, so does a graceful shutdown (rethrowing the last error).
func retrying<T: Sendable>(
    _ what: String,
    logger: Logger,
    metrics: PipelineMetrics?,
    attempts: Int = .max,
    untilShutdown: Bool = false,
    _ body: () async throws -> T
) async throws -> T {
    var attempt = 0
    while true {
        do {
            return try await body()
        } catch let error as CancellationError {
            throw error
        } catch {
            attempt += 1
            metrics?.redisErrors.increment()
            if attempt >= attempts || Task.isCancelled { throw error }
            // Only an open-ended retry gives up at shutdown; bounded ones (acks) keep trying then.
            if untilShutdown, Task.isShuttingDownGracefully { throw error }
            if let redisError = error as? RedisError, redisError.code == .errorReply, !redisError.isTransient {
                throw error
            }
            let delay = retryBackoff.delay(attempt: attempt - 1)
            logger.warning(
                "Redis failed; retrying",
                metadata: ["sr.operation": "\(what)", "sr.error": "\(error)", "sr.attempt": "\(attempt)"]
            )
            try await Task.sleep(for: delay)
        }
    }
}

enum ConsumerNames {
    /// `<hostname>-<pid>-<4 random hex digits>`: the random part tells apart processes that reuse a
    /// pid (pid 1 in containers).
    static let processPrefix: String = {
        var buffer = [CChar](repeating: 0, count: 256)
        let host: String
        if gethostname(&buffer, buffer.count - 1) == 0 {
            host = String(decoding: buffer.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        } else {
            host = "host"
        }
        let random = String(UInt16.random(in: .min ... .max), radix: 16)
        return "\(host.isEmpty ? "host" : host)-\(getpid())-\(String(repeating: "0", count: 4 - random.count))\(random)"
    }()

    /// Numbers consumers within the process.
    private static let counter = NIOLockedValueBox(0)

    static func nextIndex() -> Int {
        counter.withLockedValue { value in
            defer { value += 1 }
            return value
        }
    }
}
