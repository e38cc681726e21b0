import ArgumentParser
import Logging
import NIOPosix
import StockroomApp
import StockroomCore
import StockroomPipeline
import StockroomRedis

/// `stockroom status`: every stream and consumer group at a glance.
struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Print each topic/group (length, lag, pending, oldest pending age, consumers, dead letters), the factory orders (waiting, overdue, transitions), then each partition: its slot, its node, and how long ago each group read it.",
        discussion: """
            A partition whose node does not answer is marked UNREACHABLE and left out of the sums above \
            (which then say "partial"). A group no consumer has read a partition for over its reading \
            mark's lifetime (2 × block + 4 s; 6 s by default) is marked UNREAD there: no worker is \
            reading it. On a Redis Cluster, the node is the master serving the partition's slot.
            """
    )

    @OptionGroup var redisOptions: RedisOptions

    func run() async throws {
        let (statuses, orders, partitions, keys) = try await withOperatorRedis(redisOptions) { redis, keys in
            (
                try await PipelineStatus.read(keys: keys, redis: redis, subscriptions: Subscription.all),
                try await FactoryOrderSummary.read(keys: keys, redis: redis),
                await PartitionStatus.read(keys: keys, redis: redis, subscriptions: Subscription.all),
                keys
            )
        }
        for status in statuses { print(status) }
        print(orders)
        let nodes = Set(partitions.compactMap(\.node))
        print("partitions: \(keys.partitions) (\(keys.tags) tags) on \(nodes.count) node\(nodes.count == 1 ? "" : "s")")
        for partition in partitions { print(partition) }
    }
}

/// Connects to the operator's Redis, learns the key space, runs `body`, closes.
func withOperatorRedis<Result>(
    _ options: RedisOptions,
    _ body: (RedisConnection, KeySpace) async throws -> Result
) async throws -> Result {
    let configuration = try RedisConfiguration(url: try options.url())
    let quiet = Logger(label: "stockroom.cli", factory: { _ in SwiftLogNoOpLogHandler() })
    return try await withResource(
        acquire: {
            try await RedisConnection.connect(
                configuration: configuration, eventLoop: MultiThreadedEventLoopGroup.singleton.next(), logger: quiet
            ).get()
        },
        release: { try? await $0.close().get() }
    ) { redis in
        try await body(redis, try await KeySpace.recorded(on: redis))
    }
}
