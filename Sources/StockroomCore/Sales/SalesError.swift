import StockroomRedis

/// Why a sales operation did not give an answer.
public struct SalesError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Opaque and extensible: new codes may appear without breaking a `switch` elsewhere.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private let name: String
        private init(_ name: String) { self.name = name }

        public static let unknownSKU = Code("UNKNOWN_SKU")
        public static let invalidArgument = Code("INVALID_ARGUMENT")
        /// Redis could not be reached, or the connection dropped while the call was in flight.
        public static let backendUnavailable = Code("BACKEND_UNAVAILABLE")
        /// Stockroom never created data in this Redis (no partition count is recorded).
        public static let uninitialized = Code("UNINITIALIZED")
        public static let internalError = Code("INTERNAL")

        public var description: String { name }
    }

    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code): \(message)" }

    /// Classifies a Redis failure: an unreachable Redis is retryable, anything else is our fault.
    init(_ error: any Error) {
        guard let redisError = error as? RedisError else {
            self.init(.internalError, "\(error)")
            return
        }
        if redisError.isUnavailable {
            self.init(.backendUnavailable, "Redis is unavailable: \(redisError.message)")
        } else {
            self.init(.internalError, "Redis: \(redisError.message)")
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
