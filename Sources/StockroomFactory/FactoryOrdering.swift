import LegacyFactoryAPI
import Logging
import StockroomCore

/// Asks the legacy factory for one prepared order and writes down the answer: what the factory group
/// does for a new stock-out and the order watchdog does for an order past its deadline.
struct FactoryOrdering: Sendable {
    let orders: FactoryOrders
    let client: FactoryClient

    /// Calls the factory for `order` under its `token`, then records the acknowledgement, or the
    /// failure (rethrown: the caller's entry or deadline stays to try again).
    func request(_ order: OrderReference, quantity: Int, token: String, partition: Int, logger: Logger) async throws {
        let request = client.makeRequest(sku: order.sku, quantity: quantity, order: order.description, token: token)
        let acknowledgement: FactoryAcknowledgement
        do {
            acknowledgement = try await client.placeOrder(request)
        } catch {
            await recordFailure(error, order: order, quantity: quantity, partition: partition, logger: logger)
            throw error
        }
        let recorded = try await orders.recordAcknowledged(
            order, quantity: quantity, factoryID: acknowledgement.id, partition: partition
        )
        let (record, attempts) =
            switch recorded {
            case .requested(let attempts): ("requested", attempts)
            case .alreadyClosed(let status, let attempts): (status, attempts)
            }
        logger.info(
            "factory order placed",
            metadata: [
                "sr.factory.id": "\(acknowledgement.id)", "sr.quantity": "\(quantity)", "sr.order.status": "\(record)",
                "sr.attempts": "\(attempts)",
            ]
        )
    }

    /// Best effort: the order stays to be tried again whether or not the failure could be written down.
    private func recordFailure(_ failure: FactoryError, order: OrderReference, quantity: Int, partition: Int, logger: Logger) async {
        logger.warning("factory call failed; the order stays to be tried again", metadata: ["sr.error": "\(failure)"])
        do {
            try await orders.recordFailure(
                order, quantity: quantity, code: failure.code.description, message: failure.message, partition: partition
            )
        } catch {
            logger.warning("cannot record the failed factory call", metadata: ["sr.error": "\(error)"])
        }
    }
}
