import NIOCore

/// Everything a client can ask; one case per request opcode.
///
/// The payloads without a struct of their own:
/// ```
/// AUTH (0x02)                         STOCK_GET (0x11)
/// +------------+------------------+   +------------+------------------+
/// | token      | token bytes      |   | sku        | sku bytes        |
/// | length u16 | (UTF-8)          |   | length u16 | (UTF-8)          |
/// +------------+------------------+   +------------+------------------+
///
/// PING (0x03)
/// +-------------------------------+
/// | opaque bytes: rest of payload |
/// | (0 or more)                   |
/// +-------------------------------+
/// ```
public enum Request: Sendable, Hashable {
    case hello(Hello)
    case auth(token: String)
    /// The bytes are echoed in PONG; useful to match probes or measure round trips.
    case ping(ByteBuffer)
    case purchase(Purchase)
    case stockGet(sku: String)
    case stockSet(StockSet)
    case stockAdjust(StockAdjust)

    public var opcode: Opcode {
        switch self {
        case .hello: .hello
        case .auth: .auth
        case .ping: .ping
        case .purchase: .purchase
        case .stockGet: .stockGet
        case .stockSet: .stockSet
        case .stockAdjust: .stockAdjust
        }
    }
}

extension Request: WireMessage {
    public init(opcode: Opcode, payload: inout ByteBuffer) throws(WireError) {
        switch opcode {
        case .hello: self = .hello(try Hello(payload: &payload))
        case .auth: self = .auth(token: try payload.readStr16("token"))
        case .ping: self = .ping(payload.readSlice(length: payload.readableBytes)!)
        case .purchase: self = .purchase(try Purchase(payload: &payload))
        case .stockGet: self = .stockGet(sku: try payload.readStr16("sku"))
        case .stockSet: self = .stockSet(try StockSet(payload: &payload))
        case .stockAdjust: self = .stockAdjust(try StockAdjust(payload: &payload))
        default: throw WireError(.unknownOpcode, "\(opcode) is not a request")
        }
    }

    public func writePayload(to buffer: inout ByteBuffer) {
        switch self {
        case .hello(let hello): hello.writePayload(to: &buffer)
        case .auth(let token): buffer.writeStr16(token)
        case .ping(let data): buffer.writeImmutableBuffer(data)
        case .purchase(let purchase): purchase.writePayload(to: &buffer)
        case .stockGet(let sku): buffer.writeStr16(sku)
        case .stockSet(let stockSet): stockSet.writePayload(to: &buffer)
        case .stockAdjust(let adjust): adjust.writePayload(to: &buffer)
        }
    }
}
