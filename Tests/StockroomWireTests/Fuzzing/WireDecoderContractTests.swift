import NIOCore
import StockroomWire
import XCTest

/// The fuzz targets' checks themselves: that they cover every request and catch what they are there to catch.
final class WireDecoderContractTests: XCTestCase {
    private func frame(_ request: Request, requestID: UInt32 = 1) throws -> Frame {
        var bytes = ByteBuffer()
        RequestEnvelope(requestID: requestID, request: request).encode(into: &bytes)
        return try XCTUnwrap(try decodeFrames(bytes).first)
    }

    func testTheTargetsAreTheFrameStreamAndEveryOpcodeRequestDecodes() {
        let decodable = (UInt8.min...UInt8.max).map(Opcode.init(rawValue:)).filter { opcode in
            var payload = ByteBuffer()
            do throws(WireError) {
                _ = try Request(opcode: opcode, payload: &payload)
                return true
            } catch {
                return error.code != .unknownOpcode
            }
        }
        XCTAssertEqual(WireFuzzTarget.all, [.frameStream] + decodable.map { WireFuzzTarget.payload($0) })
        XCTAssertEqual(WireFuzzTarget.all.compactMap { WireFuzzTarget(name: $0.name) }, WireFuzzTarget.all)
    }

    func testRoundTripCatchesAValueThatIsNotTheFramesOwn() throws {
        let purchase = Purchase(sku: "A", quantity: 2, purchaseID: "p", customer: "")
        let frame = try self.frame(.purchase(purchase))
        var other = purchase
        other.quantity = 3
        XCTAssertNoThrow(try WireDecoderContract.checkRoundTrip(RequestEnvelope(requestID: 1, request: .purchase(purchase)), decodedFrom: frame))
        XCTAssertThrowsError(try WireDecoderContract.checkRoundTrip(RequestEnvelope(requestID: 1, request: .purchase(other)), decodedFrom: frame))
        XCTAssertThrowsError(try WireDecoderContract.checkRoundTrip(RequestEnvelope(requestID: 2, request: .purchase(purchase)), decodedFrom: frame))
    }

    func testRoundTripAllowsStockSetToDropTheValueOfAnAbsentSetting() throws {
        // present = 0x01: the reorder quantity 5 is carried although senders must write 0, and is ignored.
        let frame = try XCTUnwrap(
            try decodeFrames(
                ByteBuffer(hex: "00000022" + "12" + "00" + "00000009" + "0001" + "41"
                    + "0000000000000064" + "01" + "000000000000000a" + "0000000000000005")
            ).first
        )
        XCTAssertEqual(try WireDecoderContract.checkRequest(in: frame), .decoded(.stockSet))
    }

    func testStreamEndAcceptsWhatTheSpecAllows() {
        let ends: [(String, WireError?)] = [
            ("", nil),
            ("000000", nil),  // inside the length field
            ("00010000" + "03000000", nil),  // inside a frame of the largest length
            ("00010001", WireError(.frameTooLarge, "")),
            ("ffffffff", WireError(.frameTooLarge, "")),
            ("00000005" + "03", WireError(.badFrame, "")),
        ]
        for (hex, error) in ends {
            XCTAssertNoThrow(try WireDecoderContract.checkStreamEnd(unread: ByteBuffer(hex: hex), error: error), hex)
        }
    }

    func testStreamEndCatchesFramesLeftUnreadAndUnjustifiedErrors() {
        let ends: [(String, WireError?)] = [
            ("00000006" + "03000000" + "0001", nil),  // a whole PING frame
            ("00010001", nil),  // a length field over the limit, not rejected
            ("00000005", nil),  // a length field under the header, not rejected
            ("00000006" + "03", WireError(.badFrame, "")),  // an acceptable length, rejected
            ("00000010", WireError(.frameTooLarge, "")),
            ("00000005", WireError(.frameTooLarge, "")),  // the wrong code
            ("000000", WireError(.badFrame, "")),  // rejected before the length field is whole
            ("00000010", WireError(.unknownOpcode, "")),
        ]
        for (hex, error) in ends {
            XCTAssertThrowsError(try WireDecoderContract.checkStreamEnd(unread: ByteBuffer(hex: hex), error: error), hex)
        }
    }

    func testFrameStreamChecksTheFramesOfAStreamThatEndsInARejectedLength() throws {
        var stream = ByteBuffer()
        RequestEnvelope(requestID: 1, request: .ping(ByteBuffer(bytes: [7]))).encode(into: &stream)
        Frame(opcode: .auth, flags: 1, requestID: 2, payload: ByteBuffer()).encode(into: &stream)
        Frame(opcode: Opcode(rawValue: 0x7F), requestID: 3, payload: ByteBuffer()).encode(into: &stream)
        stream.writeInteger(UInt32(WireDecoderContract.maxFrameLength + 1))
        XCTAssertEqual(
            try WireDecoderContract.checkFrameStream(stream),
            [.decoded(.ping), .rejected(.badFrame), .rejected(.unknownOpcode), .rejected(.frameTooLarge)]
        )
    }
}
