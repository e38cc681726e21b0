import Logging
import ServiceLifecycle
import StockroomCore
import StockroomPipeline
import StockroomRedis

/// Runs ``ReplayExpiry`` beside the sales server, which writes the records: a pass a quarter window
/// after the last, at most a minute apart, so a closed bucket gets its expiry long before it is due.
struct ReplayExpiryService: Service {
    let expiry: ReplayExpiry
    let redis: RedisConnection
    let logger: Logger

    var interval: Duration { min(.seconds(expiry.windowSeconds) / 4, .seconds(60)) }

    func run() async throws {
        await runPeriodically(every: interval, logger: logger, failure: "replay records not expired; next pass at the next interval") {
            try await expiry.pass(on: redis, logger: logger)
        }
    }
}
