import NIOCore

/// A message with the request id it travels under: a ``Request`` with the id its answer will carry
/// (chosen by the client, 1...UInt32.max), or a ``Response`` with the id of the request it answers
/// (0 for the server's connection-level ERROR).
public struct Envelope<Message: WireMessage>: Sendable, Hashable {
    public var requestID: UInt32
    public var message: Message

    public init(requestID: UInt32, message: Message) {
        self.requestID = requestID
        self.message = message
    }

    /// Decodes a message from a received frame.
    ///
    /// - Parameters:
    ///   - frame: A frame from ``FrameDecoder``.
    /// - Throws: `BAD_FRAME` for non-zero flags or a malformed payload; `UNKNOWN_OPCODE` for an opcode that
    ///   is not a version-1 `Message` (one of the other direction included). The frame's request id is
    ///   still valid then and should be echoed on the ERROR. A received ERROR frame is not thrown: it
    ///   decodes to ``Response/error(_:)``.
    public init(decoding frame: Frame) throws(WireError) {
        self.requestID = frame.requestID
        self.message = try frame.decodeMessage(as: Message.self)
    }

    /// Appends the whole frame, length prefix included.
    ///
    /// - Parameters:
    ///   - buffer: The buffer to append to.
    public func encode(into buffer: inout ByteBuffer) {
        buffer.writeFrame(self.message, requestID: self.requestID)
    }
}

/// What a client sends: a ``Request`` with its request id.
public typealias RequestEnvelope = Envelope<Request>
/// What a server sends: a ``Response`` with the request id it answers.
public typealias ResponseEnvelope = Envelope<Response>

extension Envelope where Message == Request {
    public init(requestID: UInt32, request: Request) { self.init(requestID: requestID, message: request) }
    public var request: Request { message }
}

extension Envelope where Message == Response {
    public init(requestID: UInt32, response: Response) { self.init(requestID: requestID, message: response) }
    public var response: Response { message }
}
