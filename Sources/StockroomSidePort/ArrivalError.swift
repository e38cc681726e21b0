import StockroomErrors

/// Why a factory callback was not taken in.
public typealias ArrivalError = DomainError<ArrivalErrorDomain>

/// Names the domain of ``ArrivalError``.
public enum ArrivalErrorDomain {}

extension OpaqueErrorCode where Owner == ArrivalErrorDomain {
    /// The callback is malformed: the HTTP layer answers 400 and nothing is appended.
    public static var invalidCallback: Self { Self("INVALID_CALLBACK") }
    /// Redis could not take the arrival; the HTTP layer answers 503.
    public static var backendUnavailable: Self { Self("BACKEND_UNAVAILABLE") }
    public static var internalError: Self { Self("INTERNAL") }
}
