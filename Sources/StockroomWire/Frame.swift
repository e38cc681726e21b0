import NIOCore

/// One protocol frame, split into its header fields and an undecoded payload.
///
/// ```
///  0                   4         5         6                   10
/// +-------------------+---------+---------+-------------------+------------------+
/// | length: u32       | opcode  | flags   | request id: u32   | payload          |
/// |                   | u8      | u8      |                   | (length - 6)     |
/// +-------------------+---------+---------+-------------------+------------------+
///  length counts every byte after itself: 6 + payload size.
/// ```
///
/// This is the unit ``FrameDecoder`` produces. It deliberately does not judge the opcode or the flags: an unknown
/// opcode or non-zero flags are errors about one request (answered and survived), not about the byte stream, so
/// they are reported later by ``RequestEnvelope/init(decoding:)`` and ``ResponseEnvelope/init(decoding:)``.
public struct Frame: Sendable, Hashable {
    /// Bytes of the `length` field itself.
    public static let lengthFieldSize = 4
    /// Bytes counted by `length` before the payload: opcode, flags and request id.
    public static let headerSizeAfterLength = 6

    public var opcode: Opcode
    /// Reserved in version 1: must be 0.
    public var flags: UInt8
    public var requestID: UInt32
    /// The payload bytes; when decoded, a slice of the received buffer rather than a copy.
    public var payload: ByteBuffer

    public init(opcode: Opcode, flags: UInt8 = 0, requestID: UInt32, payload: ByteBuffer) {
        self.opcode = opcode
        self.flags = flags
        self.requestID = requestID
        self.payload = payload
    }

    /// Appends the whole frame, length prefix included.
    ///
    /// - Parameters:
    ///   - buffer: The buffer to append to.
    public func encode(into buffer: inout ByteBuffer) {
        buffer.writeFrame(opcode: self.opcode, flags: self.flags, requestID: self.requestID) { body in
            body.writeImmutableBuffer(self.payload)
        }
    }
}

extension ByteBuffer {
    /// Appends one frame whose payload is written by `writePayload`, then fills in the length prefix.
    ///
    /// Writing the payload in place and patching the length afterwards lets every message encode straight into
    /// the output buffer without measuring itself first or building an intermediate payload buffer.
    ///
    /// - Parameters:
    ///   - opcode: The frame's opcode.
    ///   - flags: The header flags; 0 in version 1.
    ///   - requestID: The request id to carry.
    ///   - writePayload: Appends the payload to the buffer it is given (this buffer).
    mutating func writeFrame(
        opcode: Opcode,
        flags: UInt8 = 0,
        requestID: UInt32,
        payload writePayload: (inout ByteBuffer) -> Void
    ) {
        let lengthIndex = self.writerIndex
        self.writeInteger(UInt32(0))
        self.writeInteger(opcode.rawValue)
        self.writeInteger(flags)
        self.writeInteger(requestID)
        writePayload(&self)
        let length = self.writerIndex - lengthIndex - Frame.lengthFieldSize
        precondition(length <= UInt32.max, "frame of \(length) bytes cannot be framed")
        self.setInteger(UInt32(length), at: lengthIndex)
    }
}
