import NIOCore
import NIOEmbedded
import StockroomWire

/// Runs bytes through a ``FrameDecoder`` installed the way a server or client installs it.
///
/// - Parameters:
///   - bytes: The inbound bytes, fed as one read.
///   - maxFrameLength: The decoder's limit.
/// - Returns: Every frame decoded.
/// - Throws: The decoder's error, or NIO's leftover-data error when the bytes end inside a frame.
func decodeFrames(
    _ bytes: ByteBuffer,
    maxFrameLength: Int = FrameDecoder.defaultMaxFrameLength
) throws -> [Frame] {
    let channel = EmbeddedChannel(handler: ByteToMessageHandler(FrameDecoder(maxFrameLength: maxFrameLength)))
    var frames: [Frame] = []
    do {
        try channel.writeInbound(bytes)
        while let frame = try channel.readInbound(as: Frame.self) {
            frames.append(frame)
        }
    } catch {
        _ = try? channel.finish()
        throw error
    }
    _ = try channel.finish()
    return frames
}
