import ArgumentParser
import Foundation
import Logging
import StockroomCommandLine
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

    private static let defaults = FactorySimulatorConfiguration()

    @Option(help: "Address to listen on (default: \(defaults.host):\(defaults.port)).") var listen: String?
    @Option(help: "Seconds from order to callback (default: \(defaults.delay.secondsText)).") var delay: Double?
    @Option(help: "Share of orders that fail (0...1), half as 500s, half as held requests (default: \(defaults.failRate)).")
    var failRate: Double?
    @Option(help: "Orders in production at once before it answers 503 (default: \(defaults.maxConcurrent)).")
    var maxConcurrent: Int?
    @Option(help: "Share of accepted orders (0...1) produced but never called back (default: \(defaults.dropCallbackRate)).")
    var dropCallbackRate: Double?
    @OptionGroup var logging: LoggingOptions

    func validate() throws {
        if let listen { _ = try HostPort(listen) }
        guard (delay ?? 0) >= 0, (0...1).contains(failRate ?? 0), (maxConcurrent ?? 1) >= 1,
            (0...1).contains(dropCallbackRate ?? 0)
        else {
            throw ValidationError("--delay must be ≥ 0, --fail-rate and --drop-callback-rate within 0...1, --max-concurrent ≥ 1")
        }
    }

    func run() async throws {
        let logger = try logging.makeLogger(label: "stockroom.factory-sim")
        var configuration = FactorySimulatorConfiguration()
        if let listen {
            let address = try HostPort(listen)
            configuration.host = address.host
            configuration.port = address.port
        }
        if let delay { configuration.delay = .seconds(delay) }
        if let failRate { configuration.failRate = failRate }
        if let maxConcurrent { configuration.maxConcurrent = maxConcurrent }
        if let dropCallbackRate { configuration.dropCallbackRate = dropCallbackRate }
        let host = configuration.host
        let simulator = FactorySimulator(configuration: configuration, logger: logger)
        try await simulator.runUntilShutdown(gracefulShutdownSignals: [.sigterm, .sigint], logger: logger) { port in
            FileHandle.standardOutput.write(Data("factory-sim listening on \(host):\(port)\n".utf8))
        }
    }
}
