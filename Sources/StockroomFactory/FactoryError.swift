/// Why a call to the legacy factory did not give an acknowledgement.
public struct FactoryError: Error, Sendable, CustomStringConvertible {
    /// Opaque and extensible: new codes may appear without breaking a `switch` elsewhere.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private let name: String
        private init(_ name: String) { self.name = name }

        /// No answer within the request timeout. The factory may still have taken the order.
        public static let timeout = Code("TIMEOUT")
        /// The factory could not be reached, or the connection broke mid-call.
        public static let connectionFailed = Code("CONNECTION_FAILED")
        /// The factory answered 503 or 429: too many orders in production.
        public static let overloaded = Code("OVERLOADED")
        /// The factory answered another non-2xx status.
        public static let rejected = Code("REJECTED")
        /// A 2xx answer we cannot read (no `data.id`).
        public static let invalidResponse = Code("INVALID_RESPONSE")
        /// The order itself cannot be sent (a bad callback URL, a count below 1).
        public static let invalidArgument = Code("INVALID_ARGUMENT")
        /// The call was cancelled (shutdown) before the factory answered.
        public static let cancelled = Code("CANCELLED")

        /// Lower-case, for metric dimensions.
        public var metricValue: String { name.lowercased() }
        public var description: String { name }
    }

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

    public var description: String {
        var text = "\(code): \(message)"
        if let underlying { text += " (\(underlying))" }
        return text
    }
}
