import Logging
import NIOCore
import ServiceLifecycle
import StockroomCore
import StockroomRedis

/// What one sweep did.
public struct SweepReport: Sendable, Hashable {
    /// Entries moved to dead letters because their delivery count reached the group's maximum and
    /// nobody finished their last delivery (no worker of that group is running, or it crashed).
    public var deadLettered: Int = 0
    /// Entries trimmed from topic and retry streams.
    public var trimmed: Int = 0
    /// Consumers removed from groups: idle past `consumerRetention` and owning nothing.
    public var consumersRemoved: Int = 0
    /// Partitions whose node did not answer (down, or failing over): swept again next time.
    public var unreachablePartitions: [Int] = []
    public var statuses: [StreamStatus] = []

    public init() {}
}

/// Housekeeping for every consumer group, whether or not its workers run in this process, one
/// partition at a time (a partition whose node is down is skipped, the others are swept):
///
/// 1. creates missing groups (as the workers do), so trimming knows every group that will read;
/// 2. dead-letters pending entries whose delivery count reached `maxDeliveries` and that have been
///    idle past the visibility timeout (`XPENDING … IDLE`, then the dead-letter script, which checks
///    count and idle again atomically): a live worker would have retried or dead-lettered them itself;
/// 3. trims topic streams and retry streams with `StreamTrimmer` (never a dead-letter stream);
/// 4. removes consumers idle past `consumerRetention` that own no pending entry;
/// 5. reads `PipelineStatus` and updates the lag, pending and dead-letter gauges.
///
/// Every step is safe to run from several processes at once.
public struct Sweeper: Service, Sendable {
    public static let defaultInterval: Duration = .seconds(30)

    public let groups: [ConsumerGroupConfiguration]
    public let keys: KeySpace
    public let redis: RedisConfiguration
    public let interval: Duration
    public let trimmer: StreamTrimmer
    public let consumerRetention: Duration
    private let eventLoopGroup: any EventLoopGroup
    private let logger: Logger

    public init(
        groups: [ConsumerGroupConfiguration],
        keys: KeySpace,
        redis: RedisConfiguration,
        eventLoopGroup: any EventLoopGroup,
        interval: Duration = Sweeper.defaultInterval,
        approximateTrimming: Bool = true,
        consumerRetention: Duration = .seconds(3600),
        logger: Logger
    ) {
        self.groups = groups
        self.keys = keys
        self.redis = PipelineScripts.registered(in: redis)
        self.interval = interval
        self.trimmer = StreamTrimmer(keys: keys, subscriptions: groups.map(\.subscription), approximate: approximateTrimming)
        self.consumerRetention = consumerRetention
        self.eventLoopGroup = eventLoopGroup
        self.logger = logger
    }

    public func run() async throws {
        guard let connection = try await connectRetrying(redis, eventLoop: eventLoopGroup.next(), logger: logger) else { return }
        defer { _ = connection.close() }
        // Every step is one atomic script or a read: stopping in the middle leaves nothing half done.
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    let report = try await self.sweep(on: connection)
                    if report.deadLettered > 0 || report.trimmed > 0 || report.consumersRemoved > 0 {
                        self.logger.info(
                            "sweep",
                            metadata: [
                                "sr.dead_lettered": "\(report.deadLettered)", "sr.trimmed": "\(report.trimmed)",
                                "sr.consumers_removed": "\(report.consumersRemoved)",
                            ]
                        )
                    }
                    if !report.unreachablePartitions.isEmpty {
                        self.logger.warning(
                            "sweep skipped partitions whose node did not answer",
                            metadata: ["sr.partitions": "\(report.unreachablePartitions.map(String.init).joined(separator: ","))"]
                        )
                    }
                } catch is CancellationError {
                    return  // graceful shutdown: stopping between steps leaves nothing half done
                } catch {
                    self.logger.warning("sweep failed; next one at the next interval", metadata: ["sr.error": "\(error)"])
                }
                try? await Task.sleep(for: self.interval)
            }
        }
    }

    /// Creates the groups of every configured subscription that are missing on `partition`.
    private func createGroups(partition: Int, on redis: RedisConnection) async throws {
        for group in groups {
            let streams = keys.groupStreams(group.subscription).filter { $0.partition == partition }.map(\.key)
            try await StockroomPipeline.createGroups(streams, group: group.subscription.group, on: redis)
        }
    }

    /// One sweep over every group, partition by partition.
    public func sweep(on redis: RedisConnection) async throws -> SweepReport {
        var report = SweepReport()
        let configurations = await recordedConfigurations(on: redis)
        for partition in 0..<keys.partitions {
            do {
                try await sweep(partition: partition, configurations: configurations, on: redis, into: &report)
            } catch let error as RedisError where error.isUnavailable {
                report.unreachablePartitions.append(partition)
            }
        }
        report.statuses = try await PipelineStatus.read(keys: keys, redis: redis, subscriptions: groups.map(\.subscription))
        for status in report.statuses {
            PipelineMetrics.updateGauges(status)
        }
        return report
    }

    /// Each group's configuration with the delivery settings its workers recorded; this process's own
    /// where none are recorded or the record cannot be read (its key lives on one node, maybe a dead one).
    private func recordedConfigurations(on redis: RedisConnection) async -> [ConsumerGroupConfiguration] {
        var configurations: [ConsumerGroupConfiguration] = []
        for group in groups {
            do {
                let recorded = try await GroupSettings.recorded(for: group.subscription, keys: keys, on: redis)
                configurations.append(recorded?.applied(to: group) ?? group)
            } catch {
                logger.warning(
                    "cannot read a group's recorded settings; sweeping with this process's",
                    metadata: ["sr.group": "\(group.subscription.group)", "sr.error": "\(error)"]
                )
                configurations.append(group)
            }
        }
        return configurations
    }

    private func sweep(
        partition: Int,
        configurations: [ConsumerGroupConfiguration],
        on redis: RedisConnection,
        into report: inout SweepReport
    ) async throws {
        try await createGroups(partition: partition, on: redis)
        for group in configurations {
            report.deadLettered += try await deadLetterExhausted(group, partition: partition, on: redis)
            report.consumersRemoved += try await removeIdleConsumers(group, partition: partition, on: redis)
            report.trimmed += try await trimmer.trimRetries(of: group.subscription, partition: partition, on: redis, logger: logger)
        }
        for topic in Set(groups.map(\.subscription.topic)).sorted(by: { $0.rawValue < $1.rawValue }) {
            report.trimmed += try await trimmer.trim(topic: topic, partition: partition, on: redis, logger: logger)
        }
    }

    /// - Parameter configuration: the group's own settings, as its workers recorded them (this
    ///   process's flags only when none did).
    private func deadLetterExhausted(
        _ configuration: ConsumerGroupConfiguration,
        partition: Int,
        on redis: RedisConnection
    ) async throws -> Int {
        let subscription = configuration.subscription
        let visibility = configuration.visibilityTimeout.wholeMilliseconds
        let policy = DeliveryPolicy(configuration)
        var count = 0
        for stream in keys.groupStreams(subscription) where stream.partition == partition {
            var start = "-"
            for _ in 0..<100 {  // at most 10 000 idle entries per stream per sweep
                let rows: [PendingRow]
                do {
                    rows = try StreamReplies.pendingRows(
                        try await redis.send(["XPENDING", stream.key, subscription.group, "IDLE", String(visibility), start, "+", "100"]).get()
                    )
                } catch let error as RedisError where error.isNoGroup {
                    break
                }
                for row in rows where policy.isExhausted(deliveries: row.deliveries) {
                    let call = ScriptCall.deadLetter(
                        row.id, of: stream, subscription: subscription, reason: .maxDeliveries, error: "",
                        minDeliveries: configuration.maxDeliveries, minIdleMilliseconds: visibility
                    )
                    let reply = try await redis.run(call).get()
                    let answer = try ScriptStatusReply(reply, script: "dead-letter")
                    if answer.status == "DEAD" {
                        count += 1
                        PipelineMetrics(subscription).deadLetteredMaxDeliveries.increment()
                        logger.warning(
                            "sweeper dead-lettered an entry nobody finished",
                            metadata: [
                                "sr.stream": "\(stream.key)", "sr.group": "\(subscription.group)", "sr.entry": "\(row.id)",
                                "sr.deliveries": "\(row.deliveries)", "sr.consumer": "\(row.consumer)",
                                "sr.effect": "\(answer.string(2) ?? "")",
                            ]
                        )
                    }
                }
                guard rows.count == 100, let last = rows.last else { break }
                start = "(" + last.id
            }
        }
        return count
    }

    private func removeIdleConsumers(
        _ configuration: ConsumerGroupConfiguration,
        partition: Int,
        on redis: RedisConnection
    ) async throws -> Int {
        let group = configuration.subscription.group
        let retention = consumerRetention.wholeMilliseconds
        var removed = 0
        for stream in keys.groupStreams(configuration.subscription) where stream.partition == partition {
            let reply: RESPValue
            do {
                reply = try await redis.send(["XINFO", "CONSUMERS", stream.key, group]).get()
            } catch let error as RedisError where error.code == .errorReply {
                continue
            }
            for item in reply.array ?? [] {
                let info = try StreamReplies.infoMap(item)
                guard let name = info["name"]?.string, info["pending"]?.int == 0, (info["idle"]?.int ?? 0) >= retention else {
                    continue
                }
                let result = try await redis.run(.retireConsumer(name, of: stream.key, group: group)).get()
                removed += Int(result.int ?? 0)
            }
        }
        return removed
    }
}
