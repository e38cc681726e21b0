import NIOCore

/// HELLO (0x01), the first frame of every connection: which versions the client speaks and who it is.
///
/// ```
///  0             2             4              6
/// +-------------+-------------+--------------+----------------------+
/// | minVersion  | maxVersion  | clientName   | clientName bytes     |
/// | u16         | u16         | length: u16  | (UTF-8, ≤ 255)       |
/// +-------------+-------------+--------------+----------------------+
/// ```
public struct Hello: Sendable, Hashable {
    /// The longest client name the format allows, in UTF-8 bytes.
    public static let maxClientNameLength = 255

    public var minVersion: UInt16
    public var maxVersion: UInt16
    /// Free-form identification for the server's logs, at most ``maxClientNameLength`` bytes.
    public var clientName: String

    public init(minVersion: UInt16, maxVersion: UInt16, clientName: String) {
        self.minVersion = minVersion
        self.maxVersion = maxVersion
        self.clientName = clientName
    }
}

extension Hello: PayloadCodable {
    init(payload: inout ByteBuffer) throws(WireError) {
        self.minVersion = try payload.readField("minVersion")
        self.maxVersion = try payload.readField("maxVersion")
        self.clientName = try payload.readStr16("clientName", maxLength: Self.maxClientNameLength)
    }

    func writePayload(to buffer: inout ByteBuffer) {
        buffer.writeInteger(self.minVersion)
        buffer.writeInteger(self.maxVersion)
        buffer.writeStr16(self.clientName)
    }
}
