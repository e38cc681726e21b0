import Logging
import ServiceLifecycle
import StockroomCore
import StockroomPipeline

/// Gives every factory order a way out: an order the factory has not delivered by its deadline is
/// requested again, with the same reference and token, until `maximumAttempts` factory calls were made
/// for it; then it expires, which closes the SKU's open order and, if the stock is still low, opens
/// the next one. The legacy factory calls back once and never retries: without this, one lost
/// callback would keep a SKU from ordering forever.
///
/// Each deadline is decided by one script; several watchdogs (one per factory worker process) may
/// run at once, and only one of them acts on a given deadline.
public struct OrderWatchdog: Service {
    /// What one pass did.
    public struct Report: Sendable, Hashable {
        public var requestedAgain: [OrderReference] = []
        public var expired: [OrderReference] = []
        public var reopened: [OrderReference] = []
    }

    private let orders: FactoryOrders
    private let client: FactoryClient
    private let maximumAttempts: Int
    private let interval: Duration
    private let metrics: FactoryMetrics
    private let logger: Logger

    public init(
        orders: FactoryOrders,
        client: FactoryClient,
        maximumAttempts: Int,
        interval: Duration,
        metrics: FactoryMetrics = FactoryMetrics(),
        logger: Logger
    ) {
        var logger = logger
        logger[metadataKey: "sr.service"] = "order-watchdog"
        self.orders = orders
        self.client = client
        self.maximumAttempts = maximumAttempts
        self.interval = interval
        self.metrics = metrics
        self.logger = logger
    }

    public func run() async throws {
        await runPeriodically(every: interval, logger: logger, failure: "order deadlines not checked; next pass at the next interval") {
            _ = try await self.pass()
        }
    }

    /// Acts once on every order whose deadline has passed, then records the orders' gauges.
    public func pass() async throws -> Report {
        var report = Report()
        let ordering = FactoryOrdering(orders: orders, client: client)
        for partition in 0..<orders.keys.partitions {
            for order in try await orders.due(partition: partition) {
                var logger = self.logger
                logger[metadataKey: "sr.order"] = "\(order)"
                switch try await orders.passDeadline(order, partition: partition, maximumAttempts: maximumAttempts) {
                case .closed:
                    continue
                case .requestAgain(let token, let quantity):
                    report.requestedAgain.append(order)
                    metrics.ordersRequestedAgain.increment()
                    logger.warning("factory order not delivered by its deadline; requesting it again")
                    // A failure is recorded; the next deadline tries again while attempts remain.
                    try? await ordering.request(order, quantity: quantity, token: token, partition: partition, logger: logger)
                case .expired(let reopened):
                    report.expired.append(order)
                    metrics.ordersExpired.increment()
                    if let reopened { report.reopened.append(reopened) }
                    logger.error(
                        "factory order expired after its last attempt; the SKU may order again",
                        metadata: ["sr.order.next": "\(reopened.map { "\($0)" } ?? "-")", "sr.attempts": "\(maximumAttempts)"]
                    )
                }
            }
        }
        do {
            metrics.record(try await FactoryOrderSummary.read(keys: orders.keys, redis: orders.redis))
        } catch {
            // The deadlines above were acted on; only the gauges wait for the next pass.
            logger.warning("order gauges not updated", metadata: ["sr.error": "\(error)"])
        }
        return report
    }
}
