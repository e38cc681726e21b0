import Logging
import NIOCore
import StockroomRedis

/// The sales rules, each one atomic step in Redis.
///
/// Calls return futures on the connection's event loop, so a server thread that owns that connection
/// runs frame → script → reply without a hop. Every failure is a `SalesError`.
public struct SalesStore: Sendable {
    public static let maximumPurchaseIDLength = 128
    public static let maximumCustomerLength = 128

    public let keys: KeySpace
    public let configuration: SalesConfiguration
    private let limits: PurchaseLimits

    public init(keys: KeySpace, configuration: SalesConfiguration) {
        self.keys = keys
        self.configuration = configuration
        self.limits = PurchaseLimits(configuration)
    }

    /// Opens the store on existing data, or records `configuration.partitions` when the data is new
    /// (see ``KeySpace/open(on:configured:prefix:logger:)``).
    public static func open(
        on redis: RedisConnection,
        configuration: SalesConfiguration,
        prefix: String = KeySpace.defaultPrefix,
        logger: Logger
    ) -> EventLoopFuture<SalesStore> {
        KeySpace.open(on: redis, configured: configuration.partitions, prefix: prefix, logger: logger).map { keys in
            SalesStore(keys: keys, configuration: configuration)
        }
    }

    /// Runs the purchase script: sells, refuses, or replays the first answer to `order.purchaseID`.
    public func purchase(_ order: PurchaseOrder, on redis: RedisConnection) -> EventLoopFuture<PurchaseDecision> {
        do {
            try validate(order)
        } catch {
            return redis.eventLoop.makeFailedFuture(error)
        }
        return purchases([order], partition: keys.partition(of: order.sku), on: redis).flatMapThrowing { decisions in
            try decisions[0].get()
        }
    }

    /// What the store checks before a purchase reaches Redis: SKU syntax, quantity, purchase id and
    /// customer.
    public func validate(_ order: PurchaseOrder) throws(SalesError) {
        try SKU.validate(order.sku)
        try NumberRanges.check(order.quantity, in: 1...configuration.maximumQuantity, "quantity")
        try Self.validate(purchaseID: order.purchaseID, customer: order.customer)
    }

    /// Decides `orders` (already validated, all of `partition`) in one script call, in this order;
    /// one result per order. The future fails only when the call itself failed (Redis unreachable):
    /// then no order's outcome is known.
    ///
    /// With `syncReplicas`, a `WAIT` follows the script's answer on the connection that ran it (on a
    /// Cluster, the partition's master): it returns once that many replicas have everything that
    /// connection wrote, this batch included. Too few in time fails the whole call with
    /// BACKEND_UNAVAILABLE: the master has the purchases, but a failover could lose them, so their
    /// outcome is not known; a retry with the same purchase id tells the truth.
    public func purchases(
        _ orders: [PurchaseOrder], partition: Int, on redis: RedisConnection
    ) -> EventLoopFuture<[Result<PurchaseDecision, SalesError>]> {
        let call = ScriptCall.purchases(orders, partition: partition, keys: keys, limits: limits)
        return confirmed(call, on: redis)
            .flatMapThrowing { reply in
                guard let answers = reply.array, answers.count == orders.count else {
                    throw SalesError(.internalError, "the purchase script answered \(reply) for \(orders.count) purchases")
                }
                return answers.map { answer in Result { () throws(SalesError) in try PurchaseDecision(scriptAnswer: answer) } }
            }
            .flatMapErrorThrowing { error in throw (error as? SalesError) ?? SalesError(error) }
    }

    /// Runs `call`; with `configuration.syncReplicas`, answers once that many replicas confirmed it.
    private func confirmed(_ call: ScriptCall, on redis: RedisConnection) -> EventLoopFuture<RESPValue> {
        let wanted = configuration.syncReplicas
        guard wanted > 0 else { return redis.run(call) }
        let timeout = configuration.syncTimeoutMilliseconds
        return redis.run(call, then: ["WAIT", String(wanted), String(timeout)]).flatMapThrowing { replies in
            let confirming = replies.follower.int ?? 0
            guard confirming >= wanted else {
                throw SalesError(
                    .backendUnavailable,
                    "\(confirming) of the \(wanted) replicas required confirmed within \(timeout) ms: the outcome is unknown; "
                        + "retry with the same purchase id"
                )
            }
            return replies.script
        }
    }

    /// Reads a SKU's stock and reorder settings.
    public func stockLevel(of sku: String, on redis: RedisConnection) -> EventLoopFuture<StockLevel> {
        do {
            try SKU.validate(sku)
        } catch {
            return redis.eventLoop.makeFailedFuture(error)
        }
        return redis.send(["HMGET", keys.skuKey(sku), "stock", "reorder_point", "reorder_qty", "open_order"])
            .flatMapThrowing { reply in
                guard let fields = reply.array, fields.count == 4 else {
                    throw SalesError(.internalError, "unexpected HMGET reply \(reply)")
                }
                guard let stock = fields[0].int else { throw SalesError(.unknownSKU, "unknown SKU \(sku)") }
                return StockLevel(
                    sku: sku,
                    stock: Int(stock),
                    reorderPoint: Int(fields[1].int ?? 0),
                    reorderQuantity: Int(fields[2].int ?? 0),
                    openOrder: fields[3].string.flatMap { $0.isEmpty ? nil : $0 }
                )
            }
            .flatMapErrorThrowing { error in throw (error as? SalesError) ?? SalesError(error) }
    }

    /// Creates a SKU, or sets its stock and the reorder settings the update names; the audit trail
    /// says `actor` did.
    public func setStock(_ update: StockUpdate, actor: String, on redis: RedisConnection) -> EventLoopFuture<StockLevel> {
        do {
            try SKU.validate(update.sku)
            try NumberRanges.check(update.stock, in: NumberRanges.stock, "stock")
            if let point = update.reorderPoint { try NumberRanges.check(point, in: NumberRanges.reorderPoint, "reorder point") }
            if let quantity = update.reorderQuantity {
                try NumberRanges.check(quantity, in: NumberRanges.reorderQuantity, "reorder quantity")
            }
        } catch {
            return redis.eventLoop.makeFailedFuture(error)
        }
        let call = ScriptCall.setStock(update, actor: actor, keys: keys, defaultReorderQuantity: configuration.defaultReorderQuantity)
        return redis.run(call)
            .flatMapThrowing { reply in try ScriptReply(reply).stockLevel(sku: update.sku) }
            .flatMapErrorThrowing { error in throw (error as? SalesError) ?? SalesError(error) }
    }

    /// Adds `delta` units to a SKU's stock (removes them when negative), atomically. Removing more than
    /// there is, or a change of 0, is INVALID_ARGUMENT and changes nothing. The audit trail says `actor` did.
    public func adjustStock(of sku: String, by delta: Int, actor: String, on redis: RedisConnection) -> EventLoopFuture<StockLevel> {
        do {
            try SKU.validate(sku)
            try NumberRanges.check(delta, in: NumberRanges.stockAdjustment, "the change")
            guard delta != 0 else { throw SalesError(.invalidArgument, "the change must not be 0") }
        } catch {
            return redis.eventLoop.makeFailedFuture(error)
        }
        return redis.run(.adjustStock(sku: sku, delta: delta, actor: actor, keys: keys))
            .flatMapThrowing { reply in try ScriptReply(reply).stockLevel(sku: sku) }
            .flatMapErrorThrowing { error in throw (error as? SalesError) ?? SalesError(error) }
    }

    private static func validate(purchaseID: String, customer: String) throws(SalesError) {
        guard (1...maximumPurchaseIDLength).contains(purchaseID.utf8.count) else {
            throw SalesError(.invalidArgument, "purchase id must be 1-\(maximumPurchaseIDLength) bytes")
        }
        guard customer.utf8.count <= maximumCustomerLength else {
            throw SalesError(.invalidArgument, "customer must be at most \(maximumCustomerLength) bytes")
        }
    }
}
