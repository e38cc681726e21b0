import Foundation
import LegacyFactoryAPI
import Logging
import StockroomCore
import StockroomRedis

/// Takes in the factory's callback: checks it against the order we placed and appends one
/// `stock-arrival` entry.
///
/// A callback is the factory's only when its order reference, token and quantity all match our order
/// record; anything else appends nothing. A repeat of a delivered order's callback appends nothing
/// either. The warehouse group applies each order once.
public struct ArrivalIntake: Sendable {
    /// What a callback that was not refused came to.
    public struct Receipt: Sendable, Hashable {
        /// The stock-arrival entry, or nil for a repeat of a delivered order's callback.
        public var entryID: String?
        public var sku: String
        public var order: String
        public var quantity: Int
    }

    /// The largest callback body taken in; the legacy message is a few hundred bytes.
    public static let maximumBodyBytes = 64 * 1024

    private let orders: FactoryOrders
    private let metrics: ArrivalMetrics
    private let logger: Logger

    public init(orders: FactoryOrders, metrics: ArrivalMetrics = ArrivalMetrics(), logger: Logger) {
        self.orders = orders
        self.metrics = metrics
        self.logger = logger
    }

    /// - Parameters:
    ///   - body: the callback's body: the JSON we sent the factory, echoed.
    ///   - order: the `order` query parameter of the callback URL (percent-decoded).
    ///   - token: the `token` query parameter of the callback URL.
    ///   - peer: who called, for the alert a refusal raises.
    public func receive(body: [UInt8], order: String?, token: String?, peer: String) async throws(ArrivalError) -> Receipt {
        let arrival: (request: FactoryOrderRequest, order: OrderReference)
        do {
            arrival = try Self.validate(body: body, order: order)
        } catch {
            metrics.refused(error.code)
            logger.warning(
                "factory callback refused",
                metadata: ["sr.error": "\(error)", "sr.order": "\(order?.prefix(100) ?? "")", "sr.peer": "\(peer)"]
            )
            throw error
        }
        let event = StockArrivalEvent(
            sku: arrival.request.productID,
            order: arrival.order,
            quantity: arrival.request.productCount,
            token: token ?? "",
            factoryRequest: String(decoding: body, as: UTF8.self),
            receivedAt: String(Int64(Date().timeIntervalSince1970 * 1000))
        )
        let intake: FactoryOrders.Intake
        do {
            intake = try await orders.takeIn(event)
        } catch {
            throw RedisError.isUnavailable(error)
                ? ArrivalError(.backendUnavailable, "Redis is unavailable", underlying: error)
                : ArrivalError(.internalError, "\(error)", underlying: error)
        }
        var logger = logger
        logger[metadataKey: "sr.sku"] = "\(event.sku)"
        logger[metadataKey: "sr.order"] = "\(event.order)"
        logger[metadataKey: "sr.quantity"] = "\(event.quantity)"
        switch intake {
        case .accepted(_, let entryID):
            metrics.received.increment()
            logger.info("factory delivery received", metadata: ["sr.entry": "\(entryID)"])
            return Receipt(entryID: entryID, sku: event.sku, order: event.order.description, quantity: event.quantity)
        case .alreadyApplied:
            metrics.duplicates.increment()
            logger.info("repeated callback for a delivered order; nothing appended")
            return Receipt(entryID: nil, sku: event.sku, order: event.order.description, quantity: event.quantity)
        case .refused(let refusal, let message):
            let error = ArrivalError(ArrivalError.Code(refusal), message)
            metrics.refused(error.code)
            // An alert, not a routine log line: someone without our token is calling the callback.
            logger.error("forged or misrouted factory callback refused", metadata: ["sr.error": "\(error)", "sr.peer": "\(peer)"])
            throw error
        }
    }

    /// The callback's rules: valid JSON of the legacy message, a valid SKU, a count ≥ 1 (number or
    /// string), and an order reference `<SKU>@<n>` of the same SKU.
    static func validate(body: [UInt8], order: String?) throws(ArrivalError) -> (FactoryOrderRequest, OrderReference) {
        guard body.count <= maximumBodyBytes else {
            throw ArrivalError(.invalidCallback, "the callback body exceeds \(maximumBodyBytes) bytes")
        }
        let request: FactoryOrderRequest
        do {
            request = try FactoryOrderRequest.decode(body)
        } catch {
            throw ArrivalError(.invalidCallback, "the callback body is not the factory message: \(Self.describe(error))")
        }
        do {
            try SKU.validate(request.productID)
        } catch {
            throw ArrivalError(.invalidCallback, "MessageAttributeProductId: \(error.message)")
        }
        guard request.productCount >= 1 else {
            throw ArrivalError(.invalidCallback, "MessageAttributeProductCnt must be at least 1, got \(request.productCount)")
        }
        guard let order, !order.isEmpty else {
            throw ArrivalError(.invalidCallback, "the callback URL has no order parameter")
        }
        guard let reference = OrderReference(order) else {
            throw ArrivalError(.invalidCallback, "order must be <SKU>@<n>, got \"\(order.prefix(100))\"")
        }
        guard reference.sku == request.productID else {
            throw ArrivalError(
                .invalidCallback, "order \(reference) is not for MessageAttributeProductId \(request.productID)"
            )
        }
        return (request, reference)
    }

    private static func describe(_ error: any Error) -> String {
        switch error {
        case DecodingError.keyNotFound(let key, _): return "missing \(key.stringValue)"
        case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context),
            DecodingError.dataCorrupted(let context):
            let path = context.codingPath.map(\.stringValue).joined(separator: ".")
            return path.isEmpty ? "not valid JSON" : "bad \(path): \(context.debugDescription)"
        default: return "\(error)"
        }
    }
}
