import NIOCore

/// What ``Request`` and ``Response`` share, so that one ``Envelope`` frames and unframes both. Only
/// this module's two message families conform: the protocol is public because `Envelope` is.
public protocol WireMessage: Sendable, Hashable {
    /// The opcode this message travels under.
    var opcode: Opcode { get }

    /// Decodes a message from a frame's payload.
    ///
    /// - Parameters:
    ///   - opcode: The frame's opcode; one this message type does not use throws `UNKNOWN_OPCODE`.
    ///   - payload: The payload; decoders read their fields from it and leave the rest for a trailing-bytes check.
    init(opcode: Opcode, payload: inout ByteBuffer) throws(WireError)

    /// Appends the payload (not the header) to `buffer`.
    func writePayload(to buffer: inout ByteBuffer)
}

extension Frame {
    /// Decodes this frame's payload as a `Message`.
    ///
    /// Checks run in the order the spec gives: header flags, then opcode, then the payload's fields, then
    /// trailing bytes.
    ///
    /// - Parameters:
    ///   - type: ``Request`` or ``Response``.
    /// - Returns: The message.
    func decodeMessage<Message: WireMessage>(as type: Message.Type) throws(WireError) -> Message {
        guard self.flags == 0 else {
            throw WireError(.badFrame, "frame flags must be 0, got 0x\(hex(self.flags, digits: 2))")
        }
        var payload = self.payload
        let message = try Message(opcode: self.opcode, payload: &payload)
        try payload.expectFullyRead()
        return message
    }
}

extension ByteBuffer {
    /// Appends `message` as a whole frame, length prefix included.
    ///
    /// - Parameters:
    ///   - message: The message to encode.
    ///   - requestID: The request id to carry.
    mutating func writeFrame(_ message: some WireMessage, requestID: UInt32) {
        self.writeFrame(opcode: message.opcode, requestID: requestID) { payload in
            message.writePayload(to: &payload)
        }
    }
}
