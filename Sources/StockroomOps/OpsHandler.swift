import Logging
import StockroomCore
import StockroomPipeline

/// The `ops` groups on `sales` and on `stock-empty`: per-SKU counters for the operations team, and
/// an operator alert (a warning in the log) on each stock-out.
public struct OpsHandler: OutcomeHandler {
    /// What one entry did to the counters.
    public enum Outcome: Sendable, Hashable {
        case counted
        /// Already counted (a redelivery): nothing changed.
        case duplicate
    }

    private let counters: OpsCounters
    private let metrics: OpsMetrics

    public init(counters: OpsCounters, metrics: OpsMetrics = OpsMetrics()) {
        self.counters = counters
        self.metrics = metrics
    }

    /// Counts one entry of `sales` or `stock-empty` and acknowledges it in the same script: exactly
    /// once per delivered entry, with nothing kept per entry.
    public func process(_ entry: StreamEntry, logger: Logger) async throws -> Outcome {
        switch entry.topic {
        case .sales:
            let sale = try entry.decode { fields in try SaleEvent(fields: fields, entryID: entry.originalID) }
            let outcome = try await counters.count(sale, acknowledging: entry.acknowledgement, partition: entry.partition)
            guard case .counted = outcome else { return duplicate(sku: sale.sku, logger: logger) }
            metrics.sales.increment()
            return .counted
        case .stockEmpty:
            let stockOut = try entry.decode(StockEmptyEvent.init(fields:))
            let outcome = try await counters.count(stockOut, acknowledging: entry.acknowledgement, partition: entry.partition)
            guard case .counted(let stockouts) = outcome else { return duplicate(sku: stockOut.sku, logger: logger) }
            metrics.stockouts.increment()
            // The operator alert: one per stock-out, not per redelivery.
            logger.warning(
                "stock-out: factory order opened",
                metadata: [
                    "sr.sku": "\(stockOut.sku)", "sr.order": "\(stockOut.order)", "sr.reason": "\(stockOut.reason)",
                    "sr.stock": "\(stockOut.stock)", "sr.wanted": "\(stockOut.wanted)", "sr.stockouts": "\(stockouts)",
                ]
            )
            return .counted
        case .stockArrival:
            throw PoisonEntry("ops: does not count stock-arrival entries (\(entry.id))")
        }
    }

    private func duplicate(sku: String, logger: Logger) -> Outcome {
        metrics.duplicates.increment()
        logger.debug("ops: entry already counted", metadata: ["sr.sku": "\(sku)"])
        return .duplicate
    }
}
