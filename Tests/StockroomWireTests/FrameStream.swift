import NIOCore
import StockroomWire

/// Runs bytes through a ``FrameDecoder`` installed the way a server or client installs it.
///
/// - Parameters:
///   - bytes: The inbound bytes, fed as one read and then the end of the stream.
///   - maxFrameLength: The decoder's limit.
/// - Returns: Every frame decoded; bytes after the last whole frame are dropped, as the decoder drops them at EOF.
/// - Throws: The decoder's error.
func decodeFrames(
    _ bytes: ByteBuffer,
    maxFrameLength: Int = FrameDecoder.defaultMaxFrameLength
) throws -> [Frame] {
    let read = try FrameStreamRead(bytes, maxFrameLength: maxFrameLength)
    if let error = read.error {
        throw error
    }
    return read.frames
}
