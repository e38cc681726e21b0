import NIOCore

/// Everything a server can answer; one case per response opcode.
///
/// The payloads without a struct of their own:
/// ```
/// AUTH_OK (0x82)    PONG (0x83)
/// +--------+        +-------------------------------+
/// | role   |        | the PING's bytes, echoed      |
/// | u8     |        | (0 or more)                   |
/// +--------+        +-------------------------------+
///
/// ERROR (0xFF)
///  0            2            4
/// +------------+------------+------------------------+
/// | code       | message    | message bytes          |
/// | u16        | length u16 | (UTF-8)                |
/// +------------+------------+------------------------+
/// ```
public enum Response: Sendable, Hashable {
    case helloOK(HelloOK)
    case authOK(Role)
    case pong(ByteBuffer)
    case purchaseResult(PurchaseResult)
    /// The answer to STOCK_GET and STOCK_SET.
    case stockInfo(StockInfo)
    /// The answer to any request that failed, or (request id 0) a connection-level failure.
    case error(WireError)

    public var opcode: Opcode {
        switch self {
        case .helloOK: .helloOK
        case .authOK: .authOK
        case .pong: .pong
        case .purchaseResult: .purchaseResult
        case .stockInfo: .stockInfo
        case .error: .error
        }
    }
}

extension Response: WireMessage {
    public init(opcode: Opcode, payload: inout ByteBuffer) throws(WireError) {
        switch opcode {
        case .helloOK: self = .helloOK(try HelloOK(payload: &payload))
        case .authOK: self = .authOK(try payload.readEnumeration("role"))
        case .pong: self = .pong(payload.readSlice(length: payload.readableBytes)!)
        case .purchaseResult: self = .purchaseResult(try PurchaseResult(payload: &payload))
        case .stockInfo: self = .stockInfo(try StockInfo(payload: &payload))
        case .error:
            let code = ErrorCode(rawValue: try payload.readField("code"))
            self = .error(WireError(code, try payload.readStr16("message")))
        default: throw WireError(.unknownOpcode, "\(opcode) is not a response")
        }
    }

    public func writePayload(to buffer: inout ByteBuffer) {
        switch self {
        case .helloOK(let helloOK): helloOK.writePayload(to: &buffer)
        case .authOK(let role): buffer.writeInteger(role.rawValue)
        case .pong(let data): buffer.writeImmutableBuffer(data)
        case .purchaseResult(let result): result.writePayload(to: &buffer)
        case .stockInfo(let info): info.writePayload(to: &buffer)
        case .error(let error):
            buffer.writeInteger(error.code.rawValue)
            buffer.writeStr16(error.message)
        }
    }
}
