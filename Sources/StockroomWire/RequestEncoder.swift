import NIOCore

/// Client-side outbound handler (wrap in `MessageToByteHandler`): writes each ``RequestEnvelope`` as one frame.
public struct RequestEncoder: MessageToByteEncoder, Sendable {
    public typealias OutboundIn = RequestEnvelope

    public init() {}

    public func encode(data: RequestEnvelope, out: inout ByteBuffer) {
        data.encode(into: &out)
    }
}
