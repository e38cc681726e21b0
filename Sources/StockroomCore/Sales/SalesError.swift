import StockroomErrors
import StockroomRedis

/// Why a sales operation did not give an answer.
public typealias SalesError = DomainError<SalesErrorDomain>

/// Names the domain of ``SalesError``.
public enum SalesErrorDomain {}

extension SalesError {
    /// Classifies a Redis failure: an unreachable Redis is retryable, anything else is our fault.
    init(_ error: any Error) {
        guard let redisError = error as? RedisError else {
            self.init(.internalError, "\(error)", underlying: error)
            return
        }
        if redisError.isUnavailable {
            self.init(.backendUnavailable, "Redis is unavailable: \(redisError.message)", underlying: error)
        } else {
            self.init(.internalError, "Redis: \(redisError.message)", underlying: error)
        }
    }

    /// A script refusal arrives as `{CODE, message}`.
    init?(scriptStatus: String, message: String) {
        switch scriptStatus {
        case "UNKNOWN_SKU": self.init(.unknownSKU, message)
        case "INVALID_ARGUMENT": self.init(.invalidArgument, message)
        default: return nil
        }
    }
}

extension OpaqueErrorCode where Owner == SalesErrorDomain {
    public static var unknownSKU: Self { Self("UNKNOWN_SKU") }
    public static var invalidArgument: Self { Self("INVALID_ARGUMENT") }
    /// Redis could not be reached, or the connection dropped while the call was in flight.
    public static var backendUnavailable: Self { Self("BACKEND_UNAVAILABLE") }
    /// Stockroom never created data in this Redis (no partition count is recorded).
    public static var uninitialized: Self { Self("UNINITIALIZED") }
    public static var internalError: Self { Self("INTERNAL") }
}
