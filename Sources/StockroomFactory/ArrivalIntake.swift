import Foundation
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

    /// - Parameters:
    ///   - body: the callback's body: the JSON we sent the factory, echoed.
    ///   - order: the `order` query parameter of the callback URL (percent-decoded).
    public func receive(body: [UInt8], order: String?) async throws(ArrivalError) -> Receipt {
        let arrival: (request: FactoryOrderRequest, order: OrderReference)
        do {
            arrival = try Self.validate(body: body, order: order)
        } catch {
            metrics.arrivalsRejected.increment()
            logger.warning("factory callback refused", metadata: ["sr.error": "\(error)", "sr.order": "\(order?.prefix(100) ?? "")"])
            throw error
        }
        let sku = arrival.request.productID
        let stream = keys.stream(.stockArrival, partition: keys.partition(of: sku))
        let receivedAt = String(Int64(Date().timeIntervalSince1970 * 1000))
        let entryID: String
        do {
            let reply = try await redis.send([
                "XADD", stream, "*",
                "sku", sku,
                "order", arrival.order.description,
                "quantity", String(arrival.request.productCount),
                "factory_request", String(decoding: body, as: UTF8.self),
                "received_at", receivedAt,
            ]).get()
            guard let id = reply.string else {
                throw ArrivalError(.internalError, "XADD answered \(reply)")
            }
            entryID = id
        } catch let error as ArrivalError {
            throw error
        } catch {
            throw Self.classify(error)
        }
        metrics.arrivalsReceived.increment()
        logger.info(
            "factory delivery received",
            metadata: [
                "sr.sku": "\(sku)", "sr.order": "\(arrival.order)", "sr.quantity": "\(arrival.request.productCount)",
                "sr.entry": "\(entryID)",
            ]
        )
        return Receipt(
            entryID: entryID, stream: stream, sku: sku, order: arrival.order.description,
            quantity: arrival.request.productCount
        )
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

    static func classify(_ error: any Error) -> ArrivalError {
        if let redisError = error as? RedisError {
            switch redisError.code {
            case .notConnected, .connectionClosed, .timeout, .closed:
                return ArrivalError(.backendUnavailable, "Redis is unavailable", underlying: error)
            default:
                return ArrivalError(.internalError, "Redis: \(redisError.message)", underlying: error)
            }
        }
        return ArrivalError(.internalError, "\(error)", underlying: error)
    }
}
