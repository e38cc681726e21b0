import NIOCore

/// A ``Response`` with the request id of the request it answers (0 for a connection-level ERROR).
public struct ResponseEnvelope: Sendable, Hashable {
    public var requestID: UInt32
    public var response: Response

    public init(requestID: UInt32, response: Response) {
        self.requestID = requestID
        self.response = response
    }

    /// Decodes a response from a frame received by the client.
    ///
    /// - Parameters:
    ///   - frame: A frame from ``FrameDecoder``.
    /// - Throws: `BAD_FRAME` for non-zero flags or a malformed payload; `UNKNOWN_OPCODE` for an opcode that is
    ///   not a version-1 response (request opcodes included). A received ERROR frame is not thrown: it decodes
    ///   to ``Response/error(_:)``.
    public init(decoding frame: Frame) throws(WireError) {
        self.requestID = frame.requestID
        self.response = try frame.decodeMessage(as: Response.self)
    }

    /// Appends the whole frame, length prefix included.
    ///
    /// - Parameters:
    ///   - buffer: The buffer to append to.
    public func encode(into buffer: inout ByteBuffer) {
        buffer.writeFrame(self.response, requestID: self.requestID)
    }
}
