/// The one-byte operation code in every frame header.
///
/// Requests use `0x00...0x7F`; a request's response is the request's opcode with bit 7 set; `0xFF` is ERROR, the
/// answer to any request that failed. The type is open (any byte is representable) so that a frame with an opcode
/// this version does not know can still be framed, reported and echoed in an `UNKNOWN_OPCODE` error.
public struct Opcode: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: UInt8

    public init(rawValue: UInt8) {
        self.rawValue = rawValue
    }

    public static let hello = Opcode(rawValue: 0x01)
    public static let helloOK = Opcode(rawValue: 0x81)
    public static let auth = Opcode(rawValue: 0x02)
    public static let authOK = Opcode(rawValue: 0x82)
    public static let ping = Opcode(rawValue: 0x03)
    public static let pong = Opcode(rawValue: 0x83)
    public static let purchase = Opcode(rawValue: 0x10)
    public static let purchaseResult = Opcode(rawValue: 0x90)
    public static let stockGet = Opcode(rawValue: 0x11)
    public static let stockInfo = Opcode(rawValue: 0x91)
    public static let stockSet = Opcode(rawValue: 0x12)
    public static let stockAdjust = Opcode(rawValue: 0x13)
    public static let error = Opcode(rawValue: 0xFF)

    /// Every opcode defined by protocol version 1.
    public static let allKnown: [Opcode] = [
        .hello, .helloOK, .auth, .authOK, .ping, .pong,
        .purchase, .purchaseResult, .stockGet, .stockInfo, .stockSet, .stockAdjust, .error,
    ]

    /// Whether this opcode lies in the request range (`0x00...0x7F`); says nothing about whether it is known.
    public var isRequest: Bool {
        self.rawValue & 0x80 == 0
    }

    /// The spec's name (`"HELLO"`, `"PURCHASE_RESULT"`, …), or `nil` for an opcode version 1 does not define.
    public var name: String? {
        switch self {
        case .hello: "HELLO"
        case .helloOK: "HELLO_OK"
        case .auth: "AUTH"
        case .authOK: "AUTH_OK"
        case .ping: "PING"
        case .pong: "PONG"
        case .purchase: "PURCHASE"
        case .purchaseResult: "PURCHASE_RESULT"
        case .stockGet: "STOCK_GET"
        case .stockInfo: "STOCK_INFO"
        case .stockSet: "STOCK_SET"
        case .stockAdjust: "STOCK_ADJUST"
        case .error: "ERROR"
        default: nil
        }
    }

    /// The spec's name, or `OPCODE_0xNN` for an unknown opcode.
    public var description: String {
        self.name ?? "OPCODE_0x" + hex(self.rawValue, digits: 2)
    }
}
