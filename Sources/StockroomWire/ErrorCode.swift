/// The 16-bit code of an ERROR frame.
///
/// The set is open: a peer may send a code this version does not know, and it must be kept (not collapsed into
/// ``internalError``) so that it can be logged and compared. Unknown codes are treated as a generic server error
/// that leaves the connection open.
public struct ErrorCode: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: UInt16

    public init(rawValue: UInt16) {
        self.rawValue = rawValue
    }

    /// A frame or payload does not follow the format: short or trailing bytes, reserved bits, invalid UTF-8.
    public static let badFrame = ErrorCode(rawValue: 0x0001)
    /// The frame's length field exceeds the receiver's maximum.
    public static let frameTooLarge = ErrorCode(rawValue: 0x0002)
    /// The opcode is not a request (or, on a client, not a response) this version defines.
    public static let unknownOpcode = ErrorCode(rawValue: 0x0003)
    /// HELLO offered no version the server speaks.
    public static let unsupportedVersion = ErrorCode(rawValue: 0x0004)
    /// A request arrived before HELLO, or HELLO arrived twice.
    public static let helloRequired = ErrorCode(rawValue: 0x0005)
    /// Authentication is required and has not succeeded, or AUTH carried a wrong token.
    public static let unauthenticated = ErrorCode(rawValue: 0x0010)
    /// The authenticated role may not perform this request.
    public static let forbidden = ErrorCode(rawValue: 0x0011)
    /// The SKU has never been set.
    public static let unknownSKU = ErrorCode(rawValue: 0x0020)
    /// A field is well-formed but out of range (SKU syntax, quantity, ID lengths).
    public static let invalidArgument = ErrorCode(rawValue: 0x0021)
    /// The store behind the server is unreachable; retry later.
    public static let backendUnavailable = ErrorCode(rawValue: 0x0030)
    /// Too many requests are in flight on this connection.
    public static let overloaded = ErrorCode(rawValue: 0x0031)
    /// The server is draining and accepts no new requests.
    public static let shuttingDown = ErrorCode(rawValue: 0x0032)
    /// An unexpected server fault.
    public static let internalError = ErrorCode(rawValue: 0x00FF)

    /// Every code defined by protocol version 1.
    public static let allKnown: [ErrorCode] = [
        .badFrame, .frameTooLarge, .unknownOpcode, .unsupportedVersion, .helloRequired,
        .unauthenticated, .forbidden, .unknownSKU, .invalidArgument,
        .backendUnavailable, .overloaded, .shuttingDown, .internalError,
    ]

    /// The spec's name (`"BAD_FRAME"`, …), or `"ERROR_0x1234"` for a code this version does not define.
    public var name: String {
        switch self {
        case .badFrame: "BAD_FRAME"
        case .frameTooLarge: "FRAME_TOO_LARGE"
        case .unknownOpcode: "UNKNOWN_OPCODE"
        case .unsupportedVersion: "UNSUPPORTED_VERSION"
        case .helloRequired: "HELLO_REQUIRED"
        case .unauthenticated: "UNAUTHENTICATED"
        case .forbidden: "FORBIDDEN"
        case .unknownSKU: "UNKNOWN_SKU"
        case .invalidArgument: "INVALID_ARGUMENT"
        case .backendUnavailable: "BACKEND_UNAVAILABLE"
        case .overloaded: "OVERLOADED"
        case .shuttingDown: "SHUTTING_DOWN"
        case .internalError: "INTERNAL"
        default: "ERROR_0x" + hex(self.rawValue, digits: 4)
        }
    }

    /// Whether the server closes the connection right after sending an ERROR with this code.
    ///
    /// `BAD_FRAME` is listed as not closing: it closes only when the frame header itself was invalid, which the
    /// code alone cannot tell; the server decides that case from where the error arose (``FrameDecoder`` vs.
    /// envelope decoding).
    public var closesConnection: Bool {
        switch self {
        case .frameTooLarge, .unsupportedVersion, .helloRequired: true
        default: false
        }
    }

    public var description: String {
        self.name
    }
}
