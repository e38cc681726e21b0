import Logging
import ServiceLifecycle

/// Runs `pass` now and then every `interval` until a graceful shutdown. A failed pass is logged as a
/// warning (`failure`, then the error) and the next one comes at the next interval: a background
/// duty whose passes are each complete or not done at all, so stopping between two leaves nothing
/// half done.
public func runPeriodically(
    every interval: Duration,
    logger: Logger,
    failure: String,
    _ pass: @escaping @Sendable () async throws -> Void
) async {
    await cancelWhenGracefulShutdown {
        while !Task.isCancelled {
            do {
                try await pass()
            } catch is CancellationError {
                return
            } catch {
                logger.warning("\(failure)", metadata: ["sr.error": "\(error)"])
            }
            try? await Task.sleep(for: interval)
        }
    }
}
