import Logging
import ServiceLifecycle
import UnixSignals

extension FactorySimulator {
    /// Runs the simulator as a process of its own (`stockroom factory-sim`) until one of `signals`.
    /// - Parameters:
    ///   - onListening: called with the bound port once the simulator listens.
    public func runUntilShutdown(
        gracefulShutdownSignals signals: [UnixSignal],
        logger: Logger,
        onListening: @escaping @Sendable (Int) -> Void
    ) async throws {
        let group = ServiceGroup(configuration: .init(services: [.init(service: self)], gracefulShutdownSignals: signals, logger: logger))
        async let announced: Void = onListening(try await listening.port())
        try await group.run()
        try? await announced
    }
}
