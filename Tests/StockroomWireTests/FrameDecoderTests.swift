import NIOCore
import NIOEmbedded
import NIOTestUtils
import StockroomWire
import XCTest

final class FrameDecoderTests: XCTestCase {
    private let frames = [
        Frame(opcode: .ping, requestID: 1, payload: ByteBuffer()),
        Frame(opcode: .purchase, requestID: 2, payload: ByteBuffer(bytes: Array(0..<200))),
        Frame(opcode: Opcode(rawValue: 0x42), flags: 0x07, requestID: .max, payload: ByteBuffer(string: "opaque")),
    ]

    private func bytes(of frames: [Frame]) -> ByteBuffer {
        var buffer = ByteBuffer()
        for frame in frames {
            frame.encode(into: &buffer)
        }
        return buffer
    }

    private func channel(maxFrameLength: Int = FrameDecoder.defaultMaxFrameLength) -> EmbeddedChannel {
        EmbeddedChannel(handler: ByteToMessageHandler(FrameDecoder(maxFrameLength: maxFrameLength)))
    }

    func testPassesByteToMessageDecoderVerifier() throws {
        var pairs = self.frames.map { (self.bytes(of: [$0]), [$0]) }
        pairs.append((self.bytes(of: self.frames), self.frames))
        XCTAssertNoThrow(
            try ByteToMessageDecoderVerifier.verifyDecoder(inputOutputPairs: pairs, decoderFactory: { FrameDecoder() })
        )
    }

    func testFrameEncodingMatchesTheHeaderLayout() {
        var buffer = ByteBuffer()
        Frame(opcode: .stockGet, flags: 0x02, requestID: 0x0102_0304, payload: ByteBuffer(bytes: [0xAA, 0xBB]))
            .encode(into: &buffer)
        XCTAssertEqual(buffer.lowercaseHex, "00000008" + "11" + "02" + "01020304" + "aabb")
    }

    func testDecodesWhenFedOneByteAtATime() throws {
        let channel = self.channel()
        let input = self.bytes(of: self.frames)
        var completedFrameEnds: [Int] = []
        var offset = 0
        for frame in self.frames {
            offset += Frame.lengthFieldSize + Frame.headerSizeAfterLength + frame.payload.readableBytes
            completedFrameEnds.append(offset)
        }

        var decoded: [Frame] = []
        for (index, byte) in input.readableBytesView.enumerated() {
            try channel.writeInbound(ByteBuffer(bytes: [byte]))
            let frame = try channel.readInbound(as: Frame.self)
            // A frame must appear exactly with its last byte, never earlier and never later.
            XCTAssertEqual(frame != nil, completedFrameEnds.contains(index + 1), "after byte \(index)")
            if let frame {
                decoded.append(frame)
            }
        }
        XCTAssertEqual(decoded, self.frames)
        XCTAssertTrue(try channel.finish().isClean)
    }

    func testDecodesTwoFramesFromOneBuffer() throws {
        let decoded = try decodeFrames(self.bytes(of: Array(self.frames.prefix(2))))
        XCTAssertEqual(decoded, Array(self.frames.prefix(2)))
    }

    func testRejectsTooLargeFrameFromTheLengthFieldAlone() throws {
        let channel = self.channel(maxFrameLength: 100)
        defer { _ = try? channel.finish() }
        // Only the length field: the decoder must not wait for the 101 bytes it announces.
        XCTAssertThrowsError(try channel.writeInbound(ByteBuffer(bytes: [0, 0, 0, 101]))) { error in
            XCTAssertEqual((error as? WireError)?.code, .frameTooLarge)
        }
    }

    func testAcceptsAFrameOfExactlyTheMaximumLength() throws {
        let frame = Frame(opcode: .ping, requestID: 9, payload: ByteBuffer(repeating: 0x5A, count: 94))
        XCTAssertEqual(try decodeFrames(self.bytes(of: [frame]), maxFrameLength: 100), [frame])
    }

    func testRejectsLengthsShorterThanTheHeader() {
        for length in UInt8(0)...5 {
            XCTAssertThrowsError(try decodeFrames(ByteBuffer(bytes: [0, 0, 0, length]))) { error in
                XCTAssertEqual((error as? WireError)?.code, .badFrame, "length \(length)")
            }
        }
    }

    func testDecodesTheSmallestFrame() throws {
        let decoded = try decodeFrames(ByteBuffer(hex: "00000006" + "03" + "00" + "0000002a"))
        XCTAssertEqual(decoded, [Frame(opcode: .ping, requestID: 42, payload: ByteBuffer())])
    }

    func testDeliversCompleteFramesAndDropsAPartialOneAtEOF() throws {
        let channel = self.channel()
        var input = self.bytes(of: Array(self.frames.prefix(2)))
        input.moveWriterIndex(to: input.writerIndex - 1)
        try channel.writeInbound(input)
        XCTAssertEqual(try channel.readInbound(as: Frame.self), self.frames[0])
        XCTAssertNil(try channel.readInbound(as: Frame.self))
        XCTAssertTrue(try channel.finish().isClean)
    }
}
