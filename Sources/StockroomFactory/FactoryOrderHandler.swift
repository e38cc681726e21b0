import Logging
import StockroomCore
import StockroomPipeline
import StockroomRedis

/// The `factory` group on `stock-empty`: places the order the purchase script opened with the
/// legacy factory, once.
///
/// Idempotent by our order reference: a redelivered entry whose order the factory already took
/// does nothing. A failed call is recorded (`attempts`, `last_error`) and rethrown, so the entry
/// stays pending and is retried. If the factory took the order but its answer was lost, the retry
/// orders again; the warehouse applies only the first delivery of the reference. The runtime's
/// heartbeat keeps the entry claimed however long the factory takes.
public struct FactoryOrderHandler: EntryHandler {
    private let orders: FactoryOrders
    private let client: FactoryClient

    public init(orders: FactoryOrders, client: FactoryClient) {
        self.orders = orders
        self.client = client
    }

    public func handle(_ entry: StreamEntry, context: EntryContext) async throws {
        let event = try entry.decode(StockEmptyEvent.init(fields:))
        guard event.reorderQuantity >= 1 else {
            // The factory makes at least one; an operator has to fix the SKU's reorder quantity.
            throw PoisonEntry("stock-empty entry \(entry.id) asks the factory for \(event.reorderQuantity) of \(event.sku)")
        }
        var logger = context.logger
        logger[metadataKey: "sr.sku"] = "\(event.sku)"
        logger[metadataKey: "sr.order"] = "\(event.order)"

        if try await orders.isPlaced(event.order, partition: entry.partition) {
            logger.debug("factory order already placed")
            return
        }

        // Before the first call: a callback can only be checked against a token recorded beforehand.
        let prepared = try await orders.prepare(event.order, quantity: event.reorderQuantity, partition: entry.partition)
        try await FactoryOrdering(orders: orders, client: client).request(
            event.order, quantity: prepared.quantity, token: prepared.token, partition: entry.partition, logger: logger
        )
    }
}
