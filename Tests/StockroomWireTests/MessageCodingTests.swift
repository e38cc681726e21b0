import NIOCore
import StockroomWire
import XCTest

/// Codec behaviour the vector file cannot express: encoder-side leniency, normalisation, and buffer handling.
final class MessageCodingTests: XCTestCase {
    private func frame(_ hex: String) throws -> Frame {
        let frames = try decodeFrames(ByteBuffer(hex: hex), maxFrameLength: Int(UInt32.max))
        XCTAssertEqual(frames.count, 1)
        return try XCTUnwrap(frames.first)
    }

    private func encoded(_ request: Request, requestID: UInt32 = 1) -> ByteBuffer {
        var buffer = ByteBuffer()
        RequestEnvelope(requestID: requestID, request: request).encode(into: &buffer)
        return buffer
    }

    func testEncodingAppendsAfterExistingBytes() throws {
        var buffer = ByteBuffer(bytes: [0xEE, 0xEE])
        ResponseEnvelope(requestID: 7, response: .authOK(.admin)).encode(into: &buffer)
        XCTAssertEqual(buffer.lowercaseHex, "eeee" + "00000007" + "82" + "00" + "00000007" + "02")
    }

    func testStockSetIgnoresAValueWhoseBitIsClear() throws {
        // present = 0x01: reorderQuantity is carried as 5 here although senders must write 0.
        let hex =
            "00000022" + "12" + "00" + "00000009" + "0001" + "41"
            + "0000000000000064" + "01" + "000000000000000a" + "0000000000000005"
        let envelope = try RequestEnvelope(decoding: try self.frame(hex))
        XCTAssertEqual(envelope.request, .stockSet(StockSet(sku: "A", stock: 100, reorderPoint: 10)))
    }

    func testStockInfoTreatsAnEmptyOpenOrderAsNone() {
        XCTAssertNil(StockInfo(sku: "A", stock: 1, reorderPoint: 0, reorderQuantity: 0, openOrder: "").openOrder)
        XCTAssertEqual(
            StockInfo(sku: "A", stock: 1, reorderPoint: 0, reorderQuantity: 0, openOrder: ""),
            StockInfo(sku: "A", stock: 1, reorderPoint: 0, reorderQuantity: 0, openOrder: nil)
        )
    }

    func testClientNameLimitIsEnforcedOnDecodingOnly() throws {
        let longest = Request.hello(
            Hello(minVersion: 1, maxVersion: 1, clientName: String(repeating: "é", count: 127) + "x")
        )
        XCTAssertEqual(
            try RequestEnvelope(decoding: try self.frame(self.encoded(longest).lowercaseHex)).request,
            longest
        )

        let tooLong = Request.hello(Hello(minVersion: 1, maxVersion: 1, clientName: String(repeating: "é", count: 128)))
        XCTAssertThrowsError(try RequestEnvelope(decoding: try self.frame(self.encoded(tooLong).lowercaseHex))) {
            XCTAssertEqual(($0 as? WireError)?.code, .badFrame)
        }
    }

    func testLongestStr16RoundTrips() throws {
        let message = String(repeating: "m", count: Int(UInt16.max))
        var buffer = ByteBuffer()
        ResponseEnvelope(requestID: 3, response: .error(WireError(.internalError, message))).encode(into: &buffer)
        XCTAssertEqual(buffer.readableBytes, 4 + 6 + 2 + 2 + Int(UInt16.max))
        let decoded = try ResponseEnvelope(decoding: try self.frame(buffer.lowercaseHex))
        XCTAssertEqual(decoded.response, .error(WireError(.internalError, message)))
    }

    func testDecodedPingDataIsThePayloadAfterTheHeader() throws {
        let envelope = try RequestEnvelope(decoding: try self.frame("0000000a" + "03" + "00" + "00000004" + "01020304"))
        XCTAssertEqual(envelope, RequestEnvelope(requestID: 4, request: .ping(ByteBuffer(bytes: [1, 2, 3, 4]))))
    }

    func testDecodingErrorsNameTheField() throws {
        // PURCHASE whose quantity has 2 of its 4 bytes.
        let frame = try self.frame("0000000b" + "10" + "00" + "00000005" + "0001" + "41" + "0000")
        XCTAssertThrowsError(try RequestEnvelope(decoding: frame)) { error in
            XCTAssertEqual((error as? WireError)?.code, .badFrame)
            XCTAssertTrue((error as? WireError)?.message.contains("quantity") == true, "\(error)")
        }
    }

    func testRequestAndResponseOpcodesMatchTheirCases() {
        XCTAssertEqual(Request.auth(token: "t").opcode, .auth)
        XCTAssertEqual(Request.stockGet(sku: "A").opcode, .stockGet)
        XCTAssertEqual(Request.ping(ByteBuffer()).opcode, .ping)
        XCTAssertEqual(Response.authOK(.sales).opcode, .authOK)
        XCTAssertEqual(Response.pong(ByteBuffer()).opcode, .pong)
        XCTAssertEqual(Response.error(WireError(.overloaded, "")).opcode, .error)
    }
}
