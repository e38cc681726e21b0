import ArgumentParser
import Foundation
import Logging
import StockroomFactorySimulator

/// `stockroom factory-sim`: the legacy factory, for demos and tests.
struct FactorySimCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "factory-sim",
        abstract: "Run a legacy Factory API simulator: POST /api/manufactures, a callback after --delay.",
        discussion: """
            It answers 201 {"data":{"id","reqestor","data"}} like the original, calls the request's \
            CallbackUrl once with the original JSON when production ends, injects failures (500s and \
            held requests) at --fail-rate, and answers 503 past --max-concurrent orders in production. \
            GET /api/manufactures lists the orders received.
            """
    )

    @Option(help: "Address to listen on.") var listen = "127.0.0.1:7490"
    @Option(help: "Seconds from order to callback.") var delay = 40.0
    @Option(help: "Share of orders that fail (0...1), half as 500s, half as held requests.") var failRate = 0.0
    @Option(help: "Orders in production at once before it answers 503.") var maxConcurrent = 16
    @OptionGroup var logging: LoggingOptions

    func validate() throws {
        guard delay >= 0, (0...1).contains(failRate), maxConcurrent >= 1 else {
            throw ValidationError("--delay must be ≥ 0, --fail-rate within 0...1, --max-concurrent ≥ 1")
        }
    }

    func run() async throws {
        let logger = try logging.makeLogger(label: "stockroom.factory-sim")
        let address = try HostPort(listen)
        var configuration = FactorySimulatorConfiguration()
        configuration.host = address.host
        configuration.port = address.port
        configuration.delay = .seconds(delay)
        configuration.failRate = failRate
        configuration.maxConcurrent = maxConcurrent
        let simulator = FactorySimulator(configuration: configuration, logger: logger)
        try await simulator.runUntilShutdown(gracefulShutdownSignals: [.sigterm, .sigint], logger: logger) { port in
            FileHandle.standardOutput.write(Data("factory-sim listening on \(address.host):\(port)\n".utf8))
        }
    }
}
