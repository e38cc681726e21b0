import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle
import StockroomCore
import StockroomFactory
import StockroomPipeline
import StockroomRedis

/// Builds the worker services of a role: one consumer group per subscription with its handler,
/// and the sweeper. `serve --workers` and `worker` share it.
struct WorkerAssembly {
    let role: WorkerRole
    let options: WorkerOptions
    let keys: KeySpace
    let redis: RedisConfiguration
    let callbackURL: String
    let logger: Logger

    /// The services, and what to close once they have stopped.
    func services(handlerRedis: RedisConnection) -> (services: [any Service], factoryClient: FactoryClient?) {
        var services: [any Service] = []
        var factoryClient: FactoryClient?
        for subscription in role.subscriptions {
            let handler: any EntryHandler
            switch subscription {
            case .factory:
                var configuration = FactoryConfiguration()
                configuration.baseURL = options.factoryURL
                configuration.callbackURL = callbackURL
                configuration.maxConcurrentCalls = options.factoryConcurrency
                configuration.maxCallsPerSecond = options.factoryRate
                configuration.requestTimeout = .seconds(options.factoryTimeout)
                let client = FactoryClient(configuration: configuration, logger: logger)
                factoryClient = client
                handler = FactoryOrderHandler(keys: keys, redis: handlerRedis, client: client, logger: logger)
            case .warehouse:
                handler = WarehouseArrivalHandler(keys: keys, redis: handlerRedis, logger: logger)
            default:
                handler = OpsHandler(keys: keys, redis: handlerRedis, logger: logger)
            }
            services.append(ConsumerGroupWorker(
                configuration: options.groupConfiguration(subscription),
                keys: keys,
                redis: redis,
                handler: handler,
                eventLoopGroup: MultiThreadedEventLoopGroup.singleton,
                logger: logger
            ))
        }
        if role.runsSweeper {
            services.append(Sweeper(
                groups: Subscription.all.map(options.groupConfiguration),
                keys: keys,
                redis: redis,
                eventLoopGroup: MultiThreadedEventLoopGroup.singleton,
                interval: .seconds(options.sweepInterval),
                logger: logger
            ))
        }
        return (services, factoryClient)
    }

    /// The Redis connection the handlers run their scripts on.
    static func handlerConnection(_ redis: RedisConfiguration, logger: Logger) async throws -> RedisConnection {
        var configuration = redis
        configuration.scripts += FactoryScripts.all
        return try await RedisConnection.connect(
            configuration: configuration, eventLoop: MultiThreadedEventLoopGroup.singleton.next(), logger: logger
        ).get()
    }
}
