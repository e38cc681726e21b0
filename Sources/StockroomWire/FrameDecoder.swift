import NIOCore

/// Splits an inbound byte stream into ``Frame``s.
///
/// It checks only what the stream's integrity depends on, the `length` field:
/// - `length > maxFrameLength` throws `WireError(.frameTooLarge, …)` as soon as the 4 length bytes are readable,
///   so a peer cannot make us buffer a huge body just to refuse it;
/// - `length < 6` throws `WireError(.badFrame, …)`, since there is no room for the header.
///
/// Both leave the stream unframeable, so both are connection-fatal; everything inside a well-framed frame is
/// judged later by the envelope decoders. Payloads are slices of the received bytes, not copies.
///
/// A frame cut short by EOF is dropped without an error: the peer is gone, there is no one to answer, and the
/// closed channel already tells the owner that outstanding requests will get no response. (The default
/// `decodeLast` still delivers every complete frame that arrived before EOF.)
public struct FrameDecoder: ByteToMessageDecoder {
    public typealias InboundOut = Frame

    /// The default limit on the `length` field.
    public static let defaultMaxFrameLength = 65_536

    /// The largest `length` value accepted, and when the frame being read began: shared with the
    /// connection's owner, who may raise the limit (after authentication) and watch for slow frames.
    public let reading: FrameReading

    /// The largest `length` value accepted now.
    public var maxFrameLength: Int { reading.maxFrameLength }

    private enum ReadState {
        case waitingForHeader
        /// The length prefix at the reader index has been accepted; it and `length` more bytes make up the frame.
        case waitingForFrame(length: Int)
    }

    private var state: ReadState = .waitingForHeader

    /// - Parameters:
    ///   - maxFrameLength: The largest `length` value to accept, at least 6 (an empty payload).
    public init(maxFrameLength: Int = FrameDecoder.defaultMaxFrameLength) {
        self.init(reading: FrameReading(maxFrameLength: maxFrameLength))
    }

    /// A decoder whose limit and progress the owner of `reading` shares (one per channel).
    public init(reading: FrameReading) {
        self.reading = reading
    }

    public mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        switch self.state {
        case .waitingForHeader:
            // Peek rather than read: the prefix stays in `buffer` until the whole frame is there, so the buffer
            // always starts at a frame boundary and whatever is left when the stream ends is exactly the unfinished
            // frame.
            guard let length = buffer.getInteger(at: buffer.readerIndex, as: UInt32.self) else {
                return needMoreData(buffer)
            }
            self.state = .waitingForFrame(length: try self.validated(length: length))
            return .continue

        case .waitingForFrame(let length):
            guard buffer.readableBytes >= Frame.lengthFieldSize + length else {
                return needMoreData(buffer)
            }
            buffer.moveReaderIndex(forwardBy: Frame.lengthFieldSize)
            // The readable-bytes check guarantees the slice, and `validated(length:)` its six header bytes.
            var frameBytes = buffer.readSlice(length: length)!
            let opcode = frameBytes.readInteger(as: UInt8.self)!
            let flags = frameBytes.readInteger(as: UInt8.self)!
            let requestID = frameBytes.readInteger(as: UInt32.self)!
            self.state = .waitingForHeader
            self.reading.partialFrameSince = nil
            context.fireChannelRead(
                Self.wrapInboundOut(
                    Frame(opcode: Opcode(rawValue: opcode), flags: flags, requestID: requestID, payload: frameBytes)
                )
            )
            return .continue
        }
    }

    /// Notes when an unfinished frame began (the first read that left part of it), so that a peer
    /// trickling a frame byte by byte can be timed out. Complete frames never read the clock.
    private func needMoreData(_ buffer: ByteBuffer) -> DecodingState {
        if buffer.readableBytes > 0, self.reading.partialFrameSince == nil {
            self.reading.partialFrameSince = .now()
        }
        return .needMoreData
    }

    private func validated(length: UInt32) throws(WireError) -> Int {
        if length > self.maxFrameLength {
            throw WireError(.frameTooLarge, "frame length \(length) exceeds the maximum of \(self.maxFrameLength)")
        }
        if length < Frame.headerSizeAfterLength {
            throw WireError(.badFrame, "frame length \(length) is shorter than the 6-byte header")
        }
        return Int(length)
    }
}

/// What a ``FrameDecoder`` and its channel's owner share, on the channel's event loop only.
public final class FrameReading {
    /// The largest `length` value accepted; the owner may change it between frames.
    public var maxFrameLength: Int {
        didSet { Self.check(maxFrameLength) }
    }
    /// When the first bytes of the frame being read arrived; nil between frames.
    public internal(set) var partialFrameSince: NIODeadline?

    /// Counts an unfinished frame's time from now: its owner stopped reading for a while, and the
    /// time it held the bytes back is not the peer's.
    public func restartPartialFrameClock() {
        if partialFrameSince != nil { partialFrameSince = .now() }
    }

    /// - Parameters:
    ///   - maxFrameLength: The largest `length` value to accept, at least 6 (an empty payload).
    public init(maxFrameLength: Int = FrameDecoder.defaultMaxFrameLength) {
        Self.check(maxFrameLength)
        self.maxFrameLength = maxFrameLength
    }

    private static func check(_ maxFrameLength: Int) {
        precondition(
            (Frame.headerSizeAfterLength...Int(UInt32.max)).contains(maxFrameLength),
            "maxFrameLength must lie in 6...UInt32.max, got \(maxFrameLength)"
        )
    }
}

@available(*, unavailable)
extension FrameReading: Sendable {}

/// The decoder keeps its read position between calls, so sharing one across channels would corrupt both streams.
@available(*, unavailable)
extension FrameDecoder: Sendable {}
