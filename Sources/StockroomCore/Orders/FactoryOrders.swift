import Foundation
import StockroomRedis

/// The factory orders: their records, and the arrivals that raise stock and close them. Each change
/// is one atomic script; every failure is a `RedisError`.
public struct FactoryOrders: Sendable {
    /// What recording the factory's acknowledgement found.
    public enum Acknowledged: Sendable, Hashable {
        /// The order is now `requested`; `attempts` counts every call made for it.
        case requested(attempts: Int)
        /// Its delivery overtook the acknowledgement, or it was cancelled, expired or failed meanwhile:
        /// the record keeps that `status`.
        case alreadyClosed(status: String, attempts: Int)
    }

    /// What an order's deadline came to (``passDeadline(_:partition:maximumAttempts:)``).
    public enum Deadline: Sendable, Hashable {
        /// Delivered, cancelled or expired before: taken off the due set.
        case closed
        /// Ask the factory again, with the same reference, token and quantity.
        case requestAgain(token: String, quantity: Int)
        /// Out of attempts: the order expired and the SKU's open order closed; `reopened` is the order
        /// opened in the same step when the stock is still at or below the reorder point.
        case expired(reopened: OrderReference?)
    }

    /// What the side port did with one callback.
    public enum Intake: Sendable, Hashable {
        /// Appended to `stock-arrival` as `entryID` of `stream`: the warehouse applies it.
        case accepted(stream: String, entryID: String)
        /// The order was delivered before: nothing appended.
        case alreadyApplied
        /// Not the callback of an order we placed: nothing appended.
        case refused(CallbackRefusal, message: String)
    }

    /// Why a callback is not the factory's answer to one of our orders.
    public enum CallbackRefusal: String, Sendable, Hashable {
        /// No order was placed under this reference.
        case unknownOrder = "UNKNOWN_ORDER"
        /// The token is missing or wrong: forged, or not ours.
        case forbidden = "FORBIDDEN"
        /// The token is right but the quantity is not what we ordered.
        case quantityMismatch = "QUANTITY_MISMATCH"
        /// The order was cancelled or expired before this delivery.
        case gone = "GONE"
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
    /// How long the factory gets to deliver after each request before the order is requested again
    /// or, out of attempts, expires.
    public let deadline: Duration

    public static let defaultDeadline: Duration = .seconds(600)

    public init(keys: KeySpace, redis: RedisConnection, deadline: Duration = defaultDeadline) {
        self.keys = keys
        self.redis = redis
        self.deadline = deadline
    }

    /// The record of `order`; nil when there is none.
    public func record(of order: OrderReference) async throws -> FactoryOrderRecord? {
        let key = keys.orderKey(order.description, partition: keys.partition(of: order.sku))
        let fields = try await redis.send(["HGETALL", key]).get().fieldDictionary()
        return fields.isEmpty ? nil : FactoryOrderRecord(order: order.description, fields: fields)
    }

    /// Gives `order` its callback token and fixes its quantity, once: later calls get the same token
    /// and quantity back, so every factory call for the order carries the same callback URL.
    public func prepare(_ order: OrderReference, quantity: Int, partition: Int) async throws -> (token: String, quantity: Int) {
        let call = ScriptCall.prepareOrder(
            order, quantity: quantity, token: RandomToken.make(), deadline: deadline, partition: partition, keys: keys
        )
        let answer = try ScriptStatusReply(try await redis.run(call).get(), script: call.script.name)
        guard answer.status == "PREPARED", let token = answer.string(0), let prepared = answer.integer(1) else {
            throw RedisError(.protocolError, "the \(call.script.name) script answered \(answer.status)")
        }
        return (token, prepared)
    }

    /// Every order record, or those in `state` / of `sku`, by SKU and number, read through the
    /// order-state indexes (``OrderIndex``), never by scanning keys; and the partitions whose node did
    /// not answer, whose orders are missing.
    public func list(
        state: FactoryOrderRecord.Status? = nil, sku: String? = nil
    ) async throws -> (records: [FactoryOrderRecord], unreachablePartitions: [Int]) {
        let index = OrderIndex(keys: keys, redis: redis)
        var query = OrderQuery(state: state, sku: sku, pageSize: OrderQuery.maximumPageSize)
        var records: [FactoryOrderRecord] = []
        var unreachable: Set<Int> = []
        repeat {
            let page = try await index.page(query)
            records += page.rows.map(\.record)
            unreachable.formUnion(page.unreachablePartitions)
            query.after = page.next
        } while query.after != nil
        let sorted = records.sorted { ($0.sku ?? "", Self.number($0.order)) < ($1.sku ?? "", Self.number($1.order)) }
        return (sorted, unreachable.sorted())
    }

    private static func number(_ order: String) -> Int { OrderReference(order)?.number ?? 0 }

    /// Closes `order` if it is still open, requested or failed, and records that `actor` did; nil when
    /// it was, else its status (`""` for none).
    public func cancel(_ order: OrderReference, actor: String) async throws -> String? {
        try await operatorAction(.cancelOrder(order, actor: actor, keys: keys), done: "CANCELLED")
    }

    /// Has the watchdog request `order` again at its next pass, and records that `actor` asked; nil when
    /// scheduled, else its status.
    public func retryNow(_ order: OrderReference, actor: String) async throws -> String? {
        try await operatorAction(.retryOrderNow(order, actor: actor, keys: keys), done: "SCHEDULED")
    }

    private func operatorAction(_ call: ScriptCall, done: String) async throws -> String? {
        let answer = try ScriptStatusReply(try await redis.run(call).get(), script: call.script.name)
        if answer.status == done { return nil }
        guard answer.status == "NOT_OPEN" else {
            throw RedisError(.protocolError, "the \(call.script.name) script answered \(answer.status)")
        }
        return answer.string(0) ?? ""
    }

    /// Whether the factory already took `order`, or it is closed: only a new or `open` order (never
    /// acknowledged) is worth a call from the stock-empty entry's handler.
    public func isPlaced(_ order: OrderReference, partition: Int) async throws -> Bool {
        let key = keys.orderKey(order.description, partition: partition)
        let status = try await redis.send(["HGET", key, "status"]).get().string
        return status != nil && status != FactoryOrderRecord.Status.open.rawValue
    }

    /// The orders of `partition` whose deadline has passed, oldest first, at most `limit`.
    public func due(partition: Int, limit: Int = 100) async throws -> [OrderReference] {
        let reply = try await redis.send([
            "ZRANGEBYSCORE", keys.ordersDueKey(partition: partition), "-inf", "(\(Self.nowMilliseconds())", "LIMIT", "0", String(limit),
        ]).get()
        return (reply.array ?? []).compactMap { $0.string.flatMap(OrderReference.init) }
    }

    /// Acts on a passed deadline of `order` in one step: requests again while attempts remain, else
    /// expires it (and opens the next order if the SKU still needs one).
    public func passDeadline(_ order: OrderReference, partition: Int, maximumAttempts: Int) async throws -> Deadline {
        let call = ScriptCall.passOrderDeadline(
            order, maximumAttempts: maximumAttempts, deadline: deadline, partition: partition, keys: keys
        )
        let answer = try ScriptStatusReply(try await redis.run(call).get(), script: call.script.name)
        switch answer.status {
        case "CLOSED", "NOT_DUE": return .closed
        case "REQUEST_AGAIN":
            if let token = answer.string(0), let quantity = answer.integer(1) { return .requestAgain(token: token, quantity: quantity) }
        case "EXPIRED":
            return .expired(reopened: answer.string(0).flatMap(OrderReference.init))
        default: break
        }
        throw RedisError(.protocolError, "the \(call.script.name) script answered \(answer.status)")
    }

    /// Our clock, for picking candidates only: the script checks each deadline against Redis's clock.
    private static func nowMilliseconds() -> Int64 {
        Int64(Date().timeIntervalSince1970 * 1000)
    }

    public func recordAcknowledged(
        _ order: OrderReference,
        quantity: Int,
        factoryID: String,
        partition: Int
    ) async throws -> Acknowledged {
        let call = ScriptCall.recordOrderRequested(
            order, quantity: quantity, factoryID: factoryID, deadline: deadline, partition: partition, keys: keys
        )
        let answer = try ScriptStatusReply(try await redis.run(call).get(), script: call.script.name)
        let attempts = answer.integer(0) ?? 0
        switch answer.status {
        case "REQUESTED": return .requested(attempts: attempts)
        case "ALREADY_CLOSED": return .alreadyClosed(status: answer.string(1) ?? "", attempts: attempts)
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

    /// Checks one factory callback against the order we placed and, when it is the factory's,
    /// appends it to `stock-arrival`, in one step.
    public func takeIn(_ arrival: StockArrivalEvent) async throws -> Intake {
        let partition = keys.partition(of: arrival.sku)
        let call = ScriptCall.takeInArrival(arrival, partition: partition, keys: keys)
        let answer = try ScriptStatusReply(try await redis.run(call).get(), script: call.script.name)
        switch answer.status {
        case "ACCEPTED":
            guard let id = answer.string(0) else { break }
            return .accepted(stream: keys.stream(.stockArrival, partition: partition), entryID: id)
        case "ALREADY_APPLIED":
            return .alreadyApplied
        default:
            if let refusal = CallbackRefusal(rawValue: answer.status) {
                return .refused(refusal, message: answer.string(0) ?? answer.status)
            }
        }
        throw RedisError(.protocolError, "the \(call.script.name) script answered \(answer.status)")
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
        case "UNKNOWN_SKU", "UNKNOWN_ORDER", "FORBIDDEN", "QUANTITY_MISMATCH", "GONE":
            return .refused(code: answer.status, message: answer.string(0) ?? answer.status)
        default:
            throw RedisError(.protocolError, "the \(call.script.name) script answered \(answer.status)")
        }
    }
}
