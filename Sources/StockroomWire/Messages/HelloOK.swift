import NIOCore

/// HELLO_OK (0x81), the server's answer to HELLO: the chosen version and the connection's limits.
///
/// ```
/// version 1:
///  0            2                  6        7              9
/// +------------+------------------+--------+--------------+----------------------+
/// | version    | maxFrameLength   | flags  | serverName   | serverName bytes     |
/// | u16        | u32              | u8     | length: u16  | (UTF-8)              |
/// +------------+------------------+--------+--------------+----------------------+
/// version 2 and later append maxInFlight: u32 after serverName.
///  flags: bit 0 = authentication required; bits 1-7 reserved (0).
/// ```
/// The version 1 fields are frozen in every version, so any client can read the version and the
/// limits; later versions only append fields, which a client sees only after offering that version.
public struct HelloOK: Sendable, Hashable {
    static let authenticationRequiredBit: UInt8 = 0x01

    /// The version the server chose; both sides speak it from now on.
    public var version: UInt16
    /// The largest frame `length` the server accepts from this client.
    public var maxFrameLength: UInt32
    /// Requests the client may have in flight (version 2 and later; nil in version 1). Past it the
    /// server stops reading the connection until one is answered.
    public var maxInFlight: UInt32?
    /// Whether requests other than PING and AUTH need a successful AUTH first.
    public var authenticationRequired: Bool
    public var serverName: String

    /// - Parameters:
    ///   - maxInFlight: required from version 2 on, ignored before.
    public init(version: UInt16, maxFrameLength: UInt32, maxInFlight: UInt32? = nil, authenticationRequired: Bool, serverName: String) {
        precondition(
            version < ProtocolVersion.announcesInFlightLimit || maxInFlight != nil,
            "HELLO_OK version \(version) carries maxInFlight"
        )
        self.version = version
        self.maxFrameLength = maxFrameLength
        self.maxInFlight = version < ProtocolVersion.announcesInFlightLimit ? nil : maxInFlight
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
        self.maxInFlight = version < ProtocolVersion.announcesInFlightLimit ? nil : try payload.readField("maxInFlight")
    }

    func writePayload(to buffer: inout ByteBuffer) {
        buffer.writeInteger(self.version)
        buffer.writeInteger(self.maxFrameLength)
        buffer.writeInteger(self.authenticationRequired ? Self.authenticationRequiredBit : 0)
        buffer.writeStr16(self.serverName)
        if let maxInFlight = self.maxInFlight { buffer.writeInteger(maxInFlight) }
    }
}
