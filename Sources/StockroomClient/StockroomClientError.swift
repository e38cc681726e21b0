import StockroomWire

/// Why a client call failed.
public struct StockroomClientError: Error, Sendable, CustomStringConvertible {
    /// Opaque and extensible, so that new codes do not break callers' `switch`es.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private let name: String
        private init(_ name: String) { self.name = name }

        /// The server answered with an ERROR frame: see `serverCode`.
        public static let server = Code("server")
        public static let connectFailed = Code("connectFailed")
        /// No answer within the request timeout. The request may still have been carried out;
        /// retry a purchase with the same purchase id to learn its answer.
        public static let timeout = Code("timeout")
        public static let connectionClosed = Code("connectionClosed")
        /// The server sent something this client cannot read.
        public static let protocolViolation = Code("protocolViolation")
        public static let invalidArgument = Code("invalidArgument")
        /// `close()` was called.
        public static let clientClosed = Code("clientClosed")

        public var description: String { name }
    }

    public var code: Code
    public var message: String
    /// The server's error code when `code == .server`, e.g. `.unknownSKU`.
    public var serverCode: ErrorCode?
    public var underlying: (any Error)?

    public init(_ code: Code, _ message: String, underlying: (any Error)? = nil) {
        self.code = code
        self.message = message
        self.underlying = underlying
    }

    init(server error: WireError) {
        self.init(.server, error.message)
        self.serverCode = error.code
    }

    public var description: String {
        if let serverCode { return "\(serverCode.name): \(message)" }
        return "\(code): \(message)"
    }
}
