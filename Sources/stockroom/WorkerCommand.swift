import ArgumentParser
import Foundation
import Logging
import ServiceLifecycle
import StockroomCore
import StockroomPipeline
import StockroomRedis

/// `stockroom worker`: event workers in a process of their own.
struct WorkerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "worker",
        abstract: "Run event workers: factory, warehouse, ops, sweeper or all, until SIGTERM or SIGINT.",
        discussion: """
            factory: orders from the legacy factory on each stock-empty event. warehouse: raises stock \
            once per delivered order. ops: per-SKU counters and stock-out alerts. sweeper: dead-letters \
            entries out of deliveries, trims acknowledged entries, updates the lag gauges.
            """
    )

    @Option(help: "factory, warehouse, ops, sweeper or all.") var role: WorkerRole = .all
    @OptionGroup var redisOptions: RedisOptions
    @OptionGroup var workers: WorkerOptions
    @OptionGroup var logging: LoggingOptions

    func validate() throws {
        try workers.validateWorkerOptions()
        guard role != .none else { throw ValidationError("--role none runs nothing") }
    }

    func run() async throws {
        let logger = try logging.makeLogger(label: "stockroom.worker")
        _ = ProcessMetrics.registry
        let redis = try RedisConfiguration(url: try redisOptions.url())
        let handlerRedis = try await WorkerAssembly.handlerConnection(redis, logger: logger)
        let keys = try await KeySpace.recorded(on: handlerRedis)
        let assembly = WorkerAssembly(
            role: role, options: workers, keys: keys, redis: redis,
            callbackURL: workers.callbackURL ?? "http://127.0.0.1:7480/arrival", logger: logger
        )
        let (services, factoryClient) = assembly.services(handlerRedis: handlerRedis)
        let group = ServiceGroup(configuration: .init(
            services: services.map { .init(service: $0) },
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger
        ))
        FileHandle.standardOutput.write(Data("stockroom worker running role=\(role.rawValue) partitions=\(keys.partitions)\n".utf8))
        var failed = false
        do {
            try await group.run()
        } catch {
            logger.error("workers stopped on an error", metadata: ["sr.error": "\(error)"])
            failed = true
        }
        try? await factoryClient?.shutdown()
        try? await handlerRedis.close().get()
        if failed { throw ExitCode.failure }
    }
}
