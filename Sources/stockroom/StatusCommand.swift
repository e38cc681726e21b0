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
        abstract: "Print each topic/group (length, lag, pending, oldest pending age, consumers, dead letters), then the factory orders (waiting, overdue, transitions)."
    )

    @OptionGroup var redisOptions: RedisOptions

    func run() async throws {
        let (statuses, orders) = try await withOperatorRedis(redisOptions) { redis, keys in
            (
                try await PipelineStatus.read(keys: keys, redis: redis, subscriptions: Subscription.all),
                try await FactoryOrderSummary.read(keys: keys, redis: redis)
            )
        }
        for status in statuses { print(status) }
        print(orders)
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
