/// Why a factory callback was not taken in.
public struct ArrivalError: Error, Sendable, CustomStringConvertible {
    /// Opaque and extensible: new codes may appear without breaking a `switch` elsewhere.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private let name: String
        private init(_ name: String) { self.name = name }

        /// The callback is malformed: the HTTP layer answers 400 and nothing is appended.
        public static let invalidCallback = Code("INVALID_CALLBACK")
        /// Redis could not take the arrival; the HTTP layer answers 503.
        public static let backendUnavailable = Code("BACKEND_UNAVAILABLE")
        public static let internalError = Code("INTERNAL")

        public var description: String { name }
    }

    public var code: Code
    public var message: String
    public var underlying: (any Error)?

    public init(_ code: Code, _ message: String, underlying: (any Error)? = nil) {
        self.code = code
        self.message = message
        self.underlying = underlying
    }

    public var description: String {
        var text = "\(code): \(message)"
        if let underlying { text += " (\(underlying))" }
        return text
    }
}
