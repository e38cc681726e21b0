import ArgumentParser
import Foundation
import Logging
import StockroomApp
import UnixSignals

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
        var configuration = StockroomConfiguration()
        configuration.redisURL = try redisOptions.url()
        configuration.server = nil
        configuration.workers = role
        workers.apply(to: &configuration)
        do {
            try await StockroomProcess.with(configuration, registry: ProcessMetrics.registry, logger: logger) { stockroom in
                let line = "stockroom worker running role=\(role.rawValue) partitions=\(stockroom.keys.partitions)\n"
                FileHandle.standardOutput.write(Data(line.utf8))
                try await stockroom.run(gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
            }
        } catch {
            logger.error("workers stopped on an error", metadata: ["sr.error": "\(error)"])
            throw ExitCode.failure
        }
    }
}
