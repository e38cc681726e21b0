import Logging
import StockroomCore
import StockroomPipeline

/// The `warehouse` group on `stock-arrival`: where stock goes up. Raises the stock once per factory
/// order reference, however often the factory called back and however often it was asked.
///
/// A delivery for an order reference the purchase script never issued (its number is above the
/// SKU's `order_seq`), or for an unknown SKU, is poison: an operator looks at it in the dead letters.
/// One that was issued but has no record yet is applied: the record can lose the race with the
/// callback, or be lost after the factory took the order.
public struct WarehouseArrivalHandler: OutcomeHandler {
    /// What one arrival entry did.
    public enum Outcome: Sendable, Hashable {
        /// Stock raised to `stock`; `closedOpenOrder` when the order was the SKU's open order.
        case applied(stock: Int, closedOpenOrder: Bool)
        /// The order was delivered before: nothing changed.
        case alreadyApplied(stock: Int)
    }

    private let orders: FactoryOrders
    private let metrics: WarehouseMetrics

    public init(orders: FactoryOrders, metrics: WarehouseMetrics = WarehouseMetrics()) {
        self.orders = orders
        self.metrics = metrics
    }

    /// Applies one stock-arrival entry; throws `PoisonEntry` for one that can never apply.
    public func process(_ entry: StreamEntry, logger: Logger) async throws -> Outcome {
        let arrival = try entry.decode(StockArrivalEvent.init(fields:))
        var logger = logger
        logger[metadataKey: "sr.sku"] = "\(arrival.sku)"
        logger[metadataKey: "sr.order"] = "\(arrival.order)"

        switch try await orders.applyArrival(arrival, entryID: entry.id, partition: entry.partition) {
        case .applied(let stock, let closed):
            metrics.arrivalsApplied.increment()
            logger.info(
                "factory delivery applied",
                metadata: ["sr.quantity": "\(arrival.quantity)", "sr.stock": "\(stock)", "sr.order.closed": "\(closed)"]
            )
            return .applied(stock: stock, closedOpenOrder: closed)
        case .alreadyApplied(let stock):
            metrics.arrivalsDuplicate.increment()
            logger.info("duplicate factory delivery ignored", metadata: ["sr.quantity": "\(arrival.quantity)"])
            return .alreadyApplied(stock: stock)
        case .refused(let code, let message):
            logger.error("factory delivery refused", metadata: ["sr.error": "\(code): \(message)"])
            throw PoisonEntry("\(code): \(message)")
        }
    }
}
