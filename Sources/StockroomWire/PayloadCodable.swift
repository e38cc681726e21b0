import NIOCore

/// A message body with a fixed opcode: it reads its fields from a payload and writes them back.
///
/// Decoders read only their own fields; the trailing-bytes check is left to ``Frame/decodeMessage(as:)`` so that
/// it happens once, for every opcode alike.
protocol PayloadCodable {
    /// - Parameters:
    ///   - payload: The frame's payload, read from its reader index.
    init(payload: inout ByteBuffer) throws(WireError)

    /// Appends the payload fields to `buffer`.
    func writePayload(to buffer: inout ByteBuffer)
}
