import Logging
import NIOPosix
import ServiceLifecycle
import StockroomCore
import StockroomPipeline
import StockroomRedis
import TestSupport
import XCTest

final class SweeperLifecycleTests: XCTestCase {
    /// Graceful shutdown (SIGTERM in a real process) must end the sweeper without an error: a thrown
    /// CancellationError would make its ServiceGroup cancel every other service and the process exit 1.
    func testTheSweeperReturnsCleanlyOnGracefulShutdown() async throws {
        try await Pipeline.with { pipeline in
            let sweeper = Sweeper(
                groups: Subscription.all.map { pipeline.configuration($0) },
                keys: pipeline.keys,
                redis: try RedisConfiguration(url: pipeline.url),
                eventLoopGroup: MultiThreadedEventLoopGroup.singleton,
                interval: .milliseconds(100),
                logger: pipeline.logger
            )
            let group = ServiceGroup(configuration: .init(services: [.init(service: sweeper)], logger: pipeline.logger))
            try await withThrowingTaskGroup(of: Void.self) { tasks in
                tasks.addTask { try await group.run() }
                // Let it sweep at least once: the groups it creates show it ran.
                _ = try await eventually(timeout: .seconds(10), "the sweeper created the groups") { () -> Bool? in
                    let stream = pipeline.keys.stream(.stockEmpty, partition: 0)
                    let groups = try? await pipeline.redis.send(["XINFO", "GROUPS", stream]).get()
                    return (groups?.array?.count ?? 0) == 2 ? true : nil
                }
                await group.triggerGracefulShutdown()
                try await tasks.next()  // throws if the sweeper threw
            }
        }
    }
}
