import Foundation
import LegacyFactoryAPI
import Logging
import StockroomCore
import StockroomRedis

/// Takes in the factory's callback: validates it and appends one `stock-arrival` entry.
///
/// It decides nothing about stock: duplicated callbacks append duplicated entries, and the
/// warehouse group applies each order reference once.
public struct ArrivalIntake: Sendable {
    /// What was appended.
    public struct Receipt: Sendable, Hashable {
        public var entryID: String
        public var stream: String
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
    public func receive(body: [UInt8], order: String?) async throws(ArrivalError) -> Receipt {
        let arrival: (request: FactoryOrderRequest, order: OrderReference)
        do {
            arrival = try Self.validate(body: body, order: order)
        } catch {
            metrics.rejected.increment()
            logger.warning("factory callback refused", metadata: ["sr.error": "\(error)", "sr.order": "\(order?.prefix(100) ?? "")"])
            throw error
        }
        let event = StockArrivalEvent(
            sku: arrival.request.productID,
            order: arrival.order,
            quantity: arrival.request.productCount,
            factoryRequest: String(decoding: body, as: UTF8.self),
            receivedAt: String(Int64(Date().timeIntervalSince1970 * 1000))
        )
        let (stream, entryID): (String, String)
        do {
            (stream, entryID) = try await orders.appendArrival(event)
        } catch {
            throw RedisError.isUnavailable(error)
                ? ArrivalError(.backendUnavailable, "Redis is unavailable", underlying: error)
                : ArrivalError(.internalError, "\(error)", underlying: error)
        }
        metrics.received.increment()
        logger.info(
            "factory delivery received",
            metadata: [
                "sr.sku": "\(event.sku)", "sr.order": "\(event.order)", "sr.quantity": "\(event.quantity)",
                "sr.entry": "\(entryID)",
            ]
        )
        return Receipt(entryID: entryID, stream: stream, sku: event.sku, order: event.order.description, quantity: event.quantity)
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
