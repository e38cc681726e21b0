import NIOCore
import NIOEmbedded
import StockroomWire

/// What the server's decoders promise for any bytes a client sends. The fuzz targets in `Fuzz/` compile this
/// file through a symlink, and `FuzzRegressionTests` replays the inputs they found through it, so both check
/// exactly the same thing.
///
/// The promise (proto-spec sections 2 and 5): however the bytes are split into reads, the frame decoder yields
/// frames that are exactly the bytes that came in, and then ends cleanly, waits for the rest of a frame, or
/// rejects a length field with `FRAME_TOO_LARGE` or `BAD_FRAME`. Each frame then decodes to a request that
/// encodes back to the frame's bytes and decodes again to an equal value, or is rejected with `BAD_FRAME` or
/// `UNKNOWN_OPCODE`. Crashes, traps and runaway allocations are left to the sanitizers and libFuzzer's limits.
enum WireDecoderContract {
    /// The server's limit (`ServerConfiguration.maxFrameLength` defaults to it; the vectors assume it too).
    static let maxFrameLength = FrameDecoder.defaultMaxFrameLength

    /// Read sizes for the second reading of a stream: small and uneven, so that reads end inside the length
    /// field, the header and the payload, as TCP segments may.
    static let splitReadSizes = [1, 2, 3, 5, 8, 13]

    /// The request opcodes of this version, every message a client can send; any other opcode must be
    /// `UNKNOWN_OPCODE`.
    static let requestOpcodes = Opcode.allKnown.filter(\.isRequest)

    /// Checks a client's byte stream, decoded as the server decodes its socket.
    ///
    /// - Returns: What the decoders made of each frame, then the stream's error if it ended in one.
    static func checkFrameStream(_ input: ByteBuffer) throws(WireContractViolation) -> [DecodingOutcome] {
        let atOnce = try FrameStreamRead(input, maxFrameLength: self.maxFrameLength)
        let split = try FrameStreamRead(input, maxFrameLength: self.maxFrameLength, readSizes: self.splitReadSizes)
        guard split == atOnce else {
            throw WireContractViolation("read in small pieces the stream gave \(split), read at once \(atOnce)")
        }

        var framed = ByteBuffer()
        for frame in atOnce.frames {
            frame.encode(into: &framed)
        }
        guard input.readableBytesView.starts(with: framed.readableBytesView) else {
            throw WireContractViolation("the frames \(atOnce.frames) are not the bytes that came in")
        }
        var unread = input
        unread.moveReaderIndex(forwardBy: framed.readableBytes)
        try self.checkStreamEnd(unread: unread, error: atOnce.error)

        var outcomes: [DecodingOutcome] = []
        for frame in atOnce.frames {
            outcomes.append(try self.checkRequest(in: frame))
        }
        if let error = atOnce.error {
            outcomes.append(.rejected(error.code))
        }
        return outcomes
    }

    /// Checks how a stream ended, given the bytes after its last frame and the decoder's error.
    static func checkStreamEnd(unread: ByteBuffer, error: WireError?) throws(WireContractViolation) {
        let length = unread.getInteger(at: unread.readerIndex, as: UInt32.self).map(Int.init)
        switch (length, error?.code) {
        case (nil, nil):
            return  // the stream ended between frames or inside a length field
        case (let length?, nil)
        where (Frame.headerSizeAfterLength...self.maxFrameLength).contains(length)
            && unread.readableBytes < Frame.lengthFieldSize + length:
            return  // the stream ended inside an acceptable frame
        case (let length?, .frameTooLarge?) where length > self.maxFrameLength:
            return
        case (let length?, .badFrame?) where length < Frame.headerSizeAfterLength:
            return
        default:
            let field = length.map { "length field \($0)" } ?? "no whole length field"
            throw WireContractViolation(
                "the stream ended \(error.map { "with \($0)" } ?? "without an error") on \(unread.readableBytes) "
                    + "bytes after its last frame, \(field)"
            )
        }
    }

    /// Checks one frame's way through the request decoder.
    ///
    /// The order of the checks is the spec's: flags, then opcode, then the payload's fields.
    static func checkRequest(in frame: Frame) throws(WireContractViolation) -> DecodingOutcome {
        let envelope: RequestEnvelope
        do {
            envelope = try RequestEnvelope(decoding: frame)
        } catch {
            let allowed: Set<ErrorCode> =
                if frame.flags != 0 { [.badFrame] }
                else if !self.requestOpcodes.contains(frame.opcode) { [.unknownOpcode] }
                else { [.badFrame] }
            guard allowed.contains(error.code) else {
                throw WireContractViolation("\(frame.opcode) with flags \(frame.flags) was rejected with \(error)")
            }
            return .rejected(error.code)
        }
        guard frame.flags == 0, self.requestOpcodes.contains(frame.opcode) else {
            throw WireContractViolation("\(frame.opcode) with flags \(frame.flags) decoded to \(envelope)")
        }
        try self.checkRoundTrip(envelope, decodedFrom: frame)
        return .decoded(frame.opcode)
    }

    /// Checks that a decoded request encodes back to its frame and decodes again to an equal value.
    static func checkRoundTrip(
        _ envelope: RequestEnvelope,
        decodedFrom frame: Frame
    ) throws(WireContractViolation) {
        var received = ByteBuffer()
        frame.encode(into: &received)
        var encoded = ByteBuffer()
        envelope.encode(into: &encoded)
        // Every request's layout is fixed by its fields, so a field lost or invented shows in the length alone.
        guard encoded.readableBytes == received.readableBytes else {
            throw WireContractViolation("\(envelope) encodes to \(encoded.readableBytes) bytes, received \(received.readableBytes)")
        }
        // STOCK_SET is the one request whose bytes may differ: receivers ignore the value of a reorder setting
        // whose present bit is clear, so it comes back as the 0 senders must write.
        guard encoded == received || frame.opcode == .stockSet else {
            throw WireContractViolation("\(envelope) encodes to other bytes than the frame it was decoded from")
        }
        let reread = try FrameStreamRead(encoded, maxFrameLength: self.maxFrameLength)
        guard reread.error == nil, reread.frames.count == 1 else {
            throw WireContractViolation("\(envelope) encodes to a stream that reads as \(reread)")
        }
        let decodedAgain: RequestEnvelope
        do {
            decodedAgain = try RequestEnvelope(decoding: reread.frames[0])
        } catch {
            throw WireContractViolation("\(envelope) encodes to a frame that is rejected with \(error)")
        }
        guard decodedAgain == envelope else {
            throw WireContractViolation("\(envelope) encodes to a frame that decodes to \(decodedAgain)")
        }
    }
}

/// What the decoders made of one frame, or of a stream's last bytes.
enum DecodingOutcome: Hashable, CustomStringConvertible {
    /// Decoded to a request that round-trips.
    case decoded(Opcode)
    /// Rejected with a code the spec gives for it.
    case rejected(ErrorCode)

    var description: String {
        switch self {
        case .decoded(let opcode): "\(opcode)"
        case .rejected(let code): "\(code)"
        }
    }
}

/// A broken promise of the decoders: a fuzz target traps on it, a regression test fails with it.
struct WireContractViolation: Error, CustomStringConvertible {
    var description: String

    init(_ description: String) {
        self.description = description
    }
}

/// What a ``FrameDecoder``, installed as the server installs it, made of a byte stream that then ended.
struct FrameStreamRead: Equatable, CustomStringConvertible {
    var frames: [Frame] = []
    /// The decoder's error, after which the server closes the connection; `nil` when the bytes ran out first.
    var error: WireError?

    /// - Parameters:
    ///   - bytes: The stream.
    ///   - maxFrameLength: The decoder's limit.
    ///   - readSizes: The sizes of the reads the stream arrives in, repeated as needed; one read by default.
    init(_ bytes: ByteBuffer, maxFrameLength: Int, readSizes: [Int] = [.max]) throws(WireContractViolation) {
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(FrameDecoder(maxFrameLength: maxFrameLength)))
        var unread = bytes
        do {
            for readSize in Self.repeating(readSizes) {
                guard unread.readableBytes > 0 else { break }
                try channel.writeInbound(unread.readSlice(length: min(readSize, unread.readableBytes))!)
            }
            _ = try channel.finish()  // the end of the stream: the decoder's last call
        } catch let error as WireError {
            self.error = error
            _ = try? channel.finish()
        } catch {
            throw WireContractViolation("the frame decoder threw \(error), which is not a WireError")
        }
        do {
            while let frame = try channel.readInbound(as: Frame.self) {
                self.frames.append(frame)
            }
        } catch {
            throw WireContractViolation("the frame decoder passed on something other than frames: \(error)")
        }
    }

    private static func repeating(_ sizes: [Int]) -> some Sequence<Int> {
        (0...).lazy.map { sizes[$0 % sizes.count] }
    }

    var description: String {
        "\(self.frames.count) frames" + (self.error.map { ", then \($0)" } ?? "")
    }
}
