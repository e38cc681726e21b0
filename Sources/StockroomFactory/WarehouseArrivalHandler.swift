import Logging
import StockroomCore
import StockroomPipeline
import StockroomRedis

/// The `warehouse` group on `stock-arrival`: raises the stock once per factory order reference,
/// however often the factory called back and however often it was asked.
///
/// A delivery for an order reference the purchase script never issued (its number is above the
/// SKU's `order_seq`), or for an unknown SKU, is poison: an operator looks at it in the dead letters.
/// One that was issued but has no record yet is applied: the record can lose the race with the
/// callback, or be lost after the factory took the order.
public struct WarehouseArrivalHandler: EntryHandler {
    /// What one arrival entry did.
    public enum Outcome: Sendable, Hashable {
        /// Stock raised to `stock`; `closedOpenOrder` when the order was the SKU's open order.
        case applied(stock: Int, closedOpenOrder: Bool)
        /// The order was delivered before: nothing changed.
        case alreadyApplied(stock: Int)
    }

    private let keys: KeySpace
    private let redis: RedisConnection
    private let metrics: FactoryMetrics
    private let logger: Logger

    public init(keys: KeySpace, redis: RedisConnection, metrics: FactoryMetrics = FactoryMetrics(), logger: Logger) {
        self.keys = keys
        self.redis = redis
        self.metrics = metrics
        self.logger = logger
    }

    public func handle(_ entry: StreamEntry, heartbeat: any ClaimHeartbeat) async throws {
        _ = try await apply(entry)
    }

    /// Applies one stock-arrival entry; throws `PoisonEntry` for one that can never apply.
    public func apply(_ entry: StreamEntry) async throws -> Outcome {
        guard let sku = entry.fields["sku"], (try? SKU.validate(sku)) != nil else {
            throw PoisonEntry("stock-arrival entry \(entry.id) has no valid sku")
        }
        guard let orderText = entry.fields["order"], let order = OrderReference(orderText), order.sku == sku else {
            throw PoisonEntry("stock-arrival entry \(entry.id) has no order reference \(sku)@<n>")
        }
        guard let quantityText = entry.fields["quantity"], let quantity = Int(quantityText), quantity >= 1 else {
            throw PoisonEntry("stock-arrival entry \(entry.id) has no quantity of at least 1")
        }
        var logger = logger
        logger[metadataKey: "sr.sku"] = "\(sku)"
        logger[metadataKey: "sr.order"] = "\(order)"
        logger[metadataKey: "sr.entry"] = "\(entry.id)"

        let partition = keys.partition(of: sku)
        let reply = try await redis.evalScript(
            FactoryScripts.applyArrival,
            keys: [keys.skuKey(sku, partition: partition), keys.orderKey(order.description, partition: partition)],
            arguments: [sku, order.description, String(order.number), String(quantity), entry.id]
        ).get()
        let answer = try ScriptStatusReply(reply, script: FactoryScripts.applyArrival.name)
        switch answer.status {
        case "APPLIED":
            let stock = answer.integer(0) ?? 0
            let closed = answer.integer(1) == 1
            metrics.arrivalsApplied.increment()
            logger.info(
                "factory delivery applied",
                metadata: ["sr.quantity": "\(quantity)", "sr.stock": "\(stock)", "sr.order.closed": "\(closed)"]
            )
            return .applied(stock: stock, closedOpenOrder: closed)
        case "ALREADY_APPLIED":
            metrics.arrivalsDuplicate.increment()
            logger.info("duplicate factory delivery ignored", metadata: ["sr.quantity": "\(quantity)"])
            return .alreadyApplied(stock: answer.integer(0) ?? 0)
        case "UNKNOWN_SKU", "UNKNOWN_ORDER", "INVALID_ARGUMENT":
            let message = answer.string(0) ?? answer.status
            logger.error("factory delivery refused", metadata: ["sr.error": "\(answer.status): \(message)"])
            throw PoisonEntry("\(answer.status): \(message)")
        default:
            throw RedisError(code: .protocolError, message: "the \(FactoryScripts.applyArrival.name) script answered \(answer.status)")
        }
    }
}
