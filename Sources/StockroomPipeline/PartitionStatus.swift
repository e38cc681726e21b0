import StockroomCore
import StockroomRedis

/// One partition as `stockroom status` shows it: its hash tag, the slot and node that hold it, and
/// for each consumer group how long ago a consumer last read it (its ``ReadingMark``).
public struct PartitionStatus: Sendable, CustomStringConvertible {
    /// One group's reading of this partition.
    public struct Reading: Sendable {
        public var subscription: Subscription
        /// The group's live mark here; nil when no consumer has read the partition for the mark's
        /// whole lifetime (no worker running, or none able to reach the partition's node).
        public var mark: ReadingMark?
    }

    public var partition: Int
    /// The hash tag, e.g. `{p3}` or `{p3-2}`.
    public var tag: String
    public var slot: Int
    /// The master serving the slot when status was read; nil while none does.
    public var node: RedisNodeAddress?
    public var readings: [Reading]
    /// Why the partition's node could not be read, if it could not.
    public var failure: String?

    /// One line for `stockroom status`.
    public var description: String {
        var line = "partition \(partition) \(tag) slot=\(slot) node=\(node.map { "\($0)" } ?? "none")"
        if let failure {
            return line + " UNREACHABLE: \(failure)"
        }
        for reading in readings {
            line += " \(reading.subscription.group)/\(reading.subscription.topic.rawValue)="
            line += reading.mark.map { "\($0.age.wholeMilliseconds)ms" } ?? "UNREAD"
        }
        return line
    }

    /// Reads every partition of `keys`; a node that does not answer marks its partitions, not the whole read.
    public static func read(keys: KeySpace, redis: RedisConnection, subscriptions: [Subscription]) async -> [PartitionStatus] {
        var result: [PartitionStatus] = []
        for partition in 0..<keys.partitions {
            let tag = keys.tag(partition)
            var status = PartitionStatus(
                partition: partition,
                tag: String(tag.drop { $0 != "{" }),
                slot: HashSlot.of(key: tag),
                node: await redis.node(serving: tag),
                readings: [],
                failure: nil
            )
            do {
                for subscription in subscriptions {
                    let key = keys.readingMarkKey(subscription.topic, group: subscription.group, partition: partition)
                    status.readings.append(Reading(subscription: subscription, mark: try await ReadingMark.read(key: key, on: redis)))
                }
            } catch {
                status.failure = "\(error)"
                status.readings = []
            }
            result.append(status)
        }
        return result
    }
}
