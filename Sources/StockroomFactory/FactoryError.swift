import StockroomErrors

/// Why a call to the legacy factory did not give an acknowledgement.
public struct FactoryError: CodedError {
    public typealias Code = OpaqueErrorCode<FactoryError>

    public var code: Code
    public var message: String
    /// The HTTP status, when the factory answered with one.
    public var status: Int?
    public var underlying: (any Error)?

    public init(_ code: Code, _ message: String, status: Int? = nil, underlying: (any Error)? = nil) {
        self.code = code
        self.message = message
        self.status = status
        self.underlying = underlying
    }
}

extension OpaqueErrorCode where Owner == FactoryError {
    /// No answer within the request timeout. The factory may still have taken the order.
    public static var timeout: Self { Self("TIMEOUT") }
    /// The factory could not be reached, or the connection broke mid-call.
    public static var connectionFailed: Self { Self("CONNECTION_FAILED") }
    /// The factory answered 503 or 429: too many orders in production.
    public static var overloaded: Self { Self("OVERLOADED") }
    /// The factory answered another non-2xx status.
    public static var rejected: Self { Self("REJECTED") }
    /// A 2xx answer we cannot read (no `data.id`).
    public static var invalidResponse: Self { Self("INVALID_RESPONSE") }
    /// The order itself cannot be sent (a bad callback URL, a count below 1).
    public static var invalidArgument: Self { Self("INVALID_ARGUMENT") }
    /// The call was cancelled (shutdown) before the factory answered.
    public static var cancelled: Self { Self("CANCELLED") }

    /// The code as a metric label value.
    public var metricValue: String { name.lowercased() }
}
