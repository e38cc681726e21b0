import StockroomErrors
import StockroomWire

/// Why a client call failed.
public struct StockroomClientError: CodedError {
    public typealias Code = OpaqueErrorCode<StockroomClientError>

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

extension OpaqueErrorCode where Owner == StockroomClientError {
    /// The server answered with an ERROR frame: see `serverCode`.
    public static var server: Self { Self("server") }
    public static var connectFailed: Self { Self("connectFailed") }
    /// No answer within the request timeout. The request may still have been carried out;
    /// retry a purchase with the same purchase id to learn its answer.
    public static var timeout: Self { Self("timeout") }
    public static var connectionClosed: Self { Self("connectionClosed") }
    /// The server sent something this client cannot read.
    public static var protocolViolation: Self { Self("protocolViolation") }
    public static var invalidArgument: Self { Self("invalidArgument") }
    /// `close()` was called.
    public static var clientClosed: Self { Self("clientClosed") }
}
