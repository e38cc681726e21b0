import NIOCore

/// HELLO_OK (0x81), the server's answer to HELLO: the chosen version and the connection's limits.
///
/// ```
///  0            2                  6        7              9
/// +------------+------------------+--------+--------------+----------------------+
/// | version    | maxFrameLength   | flags  | serverName   | serverName bytes     |
/// | u16        | u32              | u8     | length: u16  | (UTF-8)              |
/// +------------+------------------+--------+--------------+----------------------+
///  flags: bit 0 = authentication required; bits 1-7 reserved (0).
/// ```
public struct HelloOK: Sendable, Hashable {
    static let authenticationRequiredBit: UInt8 = 0x01

    /// The version the server chose; both sides speak it from now on.
    public var version: UInt16
    /// The largest frame `length` the server accepts from this client.
    public var maxFrameLength: UInt32
    /// Whether requests other than PING and AUTH need a successful AUTH first.
    public var authenticationRequired: Bool
    public var serverName: String

    public init(version: UInt16, maxFrameLength: UInt32, authenticationRequired: Bool, serverName: String) {
        self.version = version
        self.maxFrameLength = maxFrameLength
        self.authenticationRequired = authenticationRequired
        self.serverName = serverName
    }
}

extension HelloOK: PayloadCodable {
    init(payload: inout ByteBuffer) throws(WireError) {
        self.version = try payload.readField("version")
        self.maxFrameLength = try payload.readField("maxFrameLength")
        let flags = try payload.readBits("flags", defined: Self.authenticationRequiredBit)
        self.authenticationRequired = flags & Self.authenticationRequiredBit != 0
        self.serverName = try payload.readStr16("serverName")
    }

    func writePayload(to buffer: inout ByteBuffer) {
        buffer.writeInteger(self.version)
        buffer.writeInteger(self.maxFrameLength)
        buffer.writeInteger(self.authenticationRequired ? Self.authenticationRequiredBit : 0)
        buffer.writeStr16(self.serverName)
    }
}
