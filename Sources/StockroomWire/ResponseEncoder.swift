import NIOCore

/// Server-side outbound handler (wrap in `MessageToByteHandler`): writes each ``ResponseEnvelope`` as one frame.
public struct ResponseEncoder: MessageToByteEncoder, Sendable {
    public typealias OutboundIn = ResponseEnvelope

    public init() {}

    public func encode(data: ResponseEnvelope, out: inout ByteBuffer) {
        data.encode(into: &out)
    }
}
