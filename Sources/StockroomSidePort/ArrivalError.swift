import StockroomCore
import StockroomErrors

/// Why a factory callback was not taken in.
public typealias ArrivalError = DomainError<ArrivalErrorDomain>

/// Names the domain of ``ArrivalError``.
public enum ArrivalErrorDomain {}

extension OpaqueErrorCode where Owner == ArrivalErrorDomain {
    /// The callback is malformed: the HTTP layer answers 400 and nothing is appended.
    public static var invalidCallback: Self { Self("INVALID_CALLBACK") }
    /// No order was placed under the callback's reference: 404.
    public static var unknownOrder: Self { Self("UNKNOWN_ORDER") }
    /// The callback's token is missing or is not the order's: 403.
    public static var forbidden: Self { Self("FORBIDDEN") }
    /// The token is right but the quantity is not what we ordered: 409.
    public static var quantityMismatch: Self { Self("QUANTITY_MISMATCH") }
    /// The order was cancelled or expired before the factory delivered it: 410.
    public static var gone: Self { Self("GONE") }
    /// Redis could not take the arrival; the HTTP layer answers 503.
    public static var backendUnavailable: Self { Self("BACKEND_UNAVAILABLE") }
    public static var internalError: Self { Self("INTERNAL") }
}

extension OpaqueErrorCode where Owner == ArrivalErrorDomain {
    /// The side port's code for a callback the order record refused.
    init(_ refusal: FactoryOrders.CallbackRefusal) {
        switch refusal {
        case .unknownOrder: self = .unknownOrder
        case .forbidden: self = .forbidden
        case .quantityMismatch: self = .quantityMismatch
        case .gone: self = .gone
        }
    }
}
