import NIOCore

/// A ``Request`` with the request id that its answer will carry.
public struct RequestEnvelope: Sendable, Hashable {
    /// Chosen by the client, 1...UInt32.max (0 is reserved for the server's connection-level errors).
    public var requestID: UInt32
    public var request: Request

    public init(requestID: UInt32, request: Request) {
        self.requestID = requestID
        self.request = request
    }

    /// Decodes a request from a frame received by the server.
    ///
    /// - Parameters:
    ///   - frame: A frame from ``FrameDecoder``.
    /// - Throws: `BAD_FRAME` for non-zero flags or a malformed payload; `UNKNOWN_OPCODE` for an opcode that is
    ///   not a version-1 request (response opcodes included). The frame's request id is still valid then and
    ///   should be echoed on the ERROR.
    public init(decoding frame: Frame) throws(WireError) {
        self.requestID = frame.requestID
        self.request = try frame.decodeMessage(as: Request.self)
    }

    /// Appends the whole frame, length prefix included.
    ///
    /// - Parameters:
    ///   - buffer: The buffer to append to.
    public func encode(into buffer: inout ByteBuffer) {
        buffer.writeFrame(self.request, requestID: self.requestID)
    }
}
