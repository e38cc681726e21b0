import StockroomErrors

/// Why a factory callback was not taken in.
public struct ArrivalError: CodedError {
    public typealias Code = OpaqueErrorCode<ArrivalError>

    public var code: Code
    public var message: String
    public var underlying: (any Error)?

    public init(_ code: Code, _ message: String, underlying: (any Error)? = nil) {
        self.code = code
        self.message = message
        self.underlying = underlying
    }
}

extension OpaqueErrorCode where Owner == ArrivalError {
    /// The callback is malformed: the HTTP layer answers 400 and nothing is appended.
    public static var invalidCallback: Self { Self("INVALID_CALLBACK") }
    /// Redis could not take the arrival; the HTTP layer answers 503.
    public static var backendUnavailable: Self { Self("BACKEND_UNAVAILABLE") }
    public static var internalError: Self { Self("INTERNAL") }
}
