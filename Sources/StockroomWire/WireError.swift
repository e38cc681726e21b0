/// A protocol-level failure: what the codec throws, and the payload of an ERROR frame.
///
/// One type serves both so that a decoding failure can be sent back as-is (`Response.error(error)`), and a
/// received ERROR frame surfaces to client code as the same error it would catch from the codec.
public struct WireError: Error, Sendable, Hashable, CustomStringConvertible {
    public var code: ErrorCode
    /// Human-readable detail; never parsed, may be empty.
    public var message: String

    public init(_ code: ErrorCode, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String {
        self.message.isEmpty ? self.code.name : "\(self.code.name): \(self.message)"
    }
}
