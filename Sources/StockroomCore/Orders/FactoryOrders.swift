import StockroomRedis

/// The factory orders: their records, and the arrivals that raise stock and close them. Each change
/// is one atomic script; every failure is a `RedisError`.
public struct FactoryOrders: Sendable {
    /// What recording the factory's acknowledgement found.
    public enum Acknowledged: Sendable, Hashable {
        /// The order is now `requested`; `attempts` counts every call made for it.
        case requested(attempts: Int)
        /// Its delivery overtook the acknowledgement: the record stays `delivered`.
        case alreadyDelivered(attempts: Int)
    }

    /// What one arrival did.
    public enum Arrival: Sendable, Hashable {
        /// Stock raised to `stock`; `closedOpenOrder` when the order was the SKU's open order.
        case applied(stock: Int, closedOpenOrder: Bool)
        /// The order was delivered before: nothing changed.
        case alreadyApplied(stock: Int)
        /// No retry can apply it (unknown SKU, an order never opened, a bad quantity): nothing changed.
        case refused(code: String, message: String)
    }

    public let keys: KeySpace
    public let redis: RedisConnection

    public init(keys: KeySpace, redis: RedisConnection) {
        self.keys = keys
        self.redis = redis
    }

    /// The record of `order`; nil when there is none.
    public func record(of order: OrderReference) async throws -> FactoryOrderRecord? {
        let key = keys.orderKey(order.description, partition: keys.partition(of: order.sku))
        let fields = try await redis.send(["HGETALL", key]).get().fieldDictionary()
        return fields.isEmpty ? nil : FactoryOrderRecord(order: order.description, fields: fields)
    }

    /// Whether the factory already took `order` (its record has a status).
    public func isPlaced(_ order: OrderReference, partition: Int) async throws -> Bool {
        let key = keys.orderKey(order.description, partition: partition)
        return try await redis.send(["HGET", key, "status"]).get().string != nil
    }

    public func recordAcknowledged(
        _ order: OrderReference,
        quantity: Int,
        factoryID: String,
        partition: Int
    ) async throws -> Acknowledged {
        let call = ScriptCall.recordOrderRequested(order, quantity: quantity, factoryID: factoryID, partition: partition, keys: keys)
        let answer = try ScriptStatusReply(try await redis.run(call).get(), script: call.script.name)
        let attempts = answer.integer(0) ?? 0
        switch answer.status {
        case "REQUESTED": return .requested(attempts: attempts)
        case "ALREADY_DELIVERED": return .alreadyDelivered(attempts: attempts)
        default: throw RedisError(.protocolError, "the \(call.script.name) script answered \(answer.status)")
        }
    }

    /// Records a failed factory call: the order stays unplaced; returns the calls made so far.
    @discardableResult
    public func recordFailure(
        _ order: OrderReference,
        quantity: Int,
        code: String,
        message: String,
        partition: Int
    ) async throws -> Int {
        let call = ScriptCall.recordOrderFailure(order, quantity: quantity, code: code, message: message, partition: partition, keys: keys)
        return try ScriptStatusReply(try await redis.run(call).get(), script: call.script.name).integer(0) ?? 0
    }

    /// Appends one factory callback to `stock-arrival`; returns the entry's stream and id.
    public func appendArrival(_ arrival: StockArrivalEvent) async throws -> (stream: String, id: String) {
        let stream = keys.stream(.stockArrival, partition: keys.partition(of: arrival.sku))
        let reply = try await redis.send(["XADD", stream, "*"] + arrival.fields).get()
        guard let id = reply.string else {
            throw RedisError(.protocolError, "XADD answered \(reply)")
        }
        return (stream, id)
    }

    /// Applies one stock-arrival entry (`entryID` in its stream of `partition`) once per order.
    public func applyArrival(_ arrival: StockArrivalEvent, entryID: String, partition: Int) async throws -> Arrival {
        let call = ScriptCall.applyArrival(arrival, entryID: entryID, partition: partition, keys: keys)
        let answer = try ScriptStatusReply(try await redis.run(call).get(), script: call.script.name)
        switch answer.status {
        case "APPLIED":
            return .applied(stock: answer.integer(0) ?? 0, closedOpenOrder: answer.integer(1) == 1)
        case "ALREADY_APPLIED":
            return .alreadyApplied(stock: answer.integer(0) ?? 0)
        case "UNKNOWN_SKU", "UNKNOWN_ORDER", "INVALID_ARGUMENT":
            return .refused(code: answer.status, message: answer.string(0) ?? answer.status)
        default:
            throw RedisError(.protocolError, "the \(call.script.name) script answered \(answer.status)")
        }
    }
}
