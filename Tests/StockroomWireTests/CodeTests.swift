import StockroomWire
import XCTest

/// Opcodes, error codes and version negotiation: the numbers of the spec's tables.
final class CodeTests: XCTestCase {
    func testOpcodeNumbersAndNames() {
        let table: [(Opcode, UInt8, String)] = [
            (.hello, 0x01, "HELLO"), (.helloOK, 0x81, "HELLO_OK"), (.auth, 0x02, "AUTH"), (.authOK, 0x82, "AUTH_OK"),
            (.ping, 0x03, "PING"), (.pong, 0x83, "PONG"), (.purchase, 0x10, "PURCHASE"),
            (.purchaseResult, 0x90, "PURCHASE_RESULT"), (.stockGet, 0x11, "STOCK_GET"),
            (.stockInfo, 0x91, "STOCK_INFO"), (.stockSet, 0x12, "STOCK_SET"), (.stockAdjust, 0x13, "STOCK_ADJUST"),
            (.error, 0xFF, "ERROR"),
        ]
        for (opcode, rawValue, name) in table {
            XCTAssertEqual(opcode.rawValue, rawValue)
            XCTAssertEqual(opcode.name, name)
            XCTAssertEqual(opcode.description, name)
        }
        XCTAssertEqual(Set(Opcode.allKnown), Set(table.map(\.0)))
    }

    func testResponsesAreTheirRequestWithBit7Set() {
        let pairs: [(Opcode, Opcode)] = [
            (.hello, .helloOK), (.auth, .authOK), (.ping, .pong), (.purchase, .purchaseResult),
            (.stockGet, .stockInfo),
        ]
        for (request, response) in pairs {
            XCTAssertTrue(request.isRequest)
            XCTAssertFalse(response.isRequest)
            XCTAssertEqual(request.rawValue | 0x80, response.rawValue)
        }
        XCTAssertTrue(Opcode.stockSet.isRequest)
        XCTAssertFalse(Opcode.error.isRequest)
    }

    func testUnknownOpcodeIsNamedByItsNumber() {
        XCTAssertNil(Opcode(rawValue: 0x42).name)
        XCTAssertEqual(Opcode(rawValue: 0x42).description, "OPCODE_0x42")
        XCTAssertEqual(Opcode(rawValue: 0x0A).description, "OPCODE_0x0A")
    }

    func testErrorCodeNumbersAndNames() {
        let table: [(ErrorCode, UInt16, String)] = [
            (.badFrame, 0x0001, "BAD_FRAME"), (.frameTooLarge, 0x0002, "FRAME_TOO_LARGE"),
            (.unknownOpcode, 0x0003, "UNKNOWN_OPCODE"), (.unsupportedVersion, 0x0004, "UNSUPPORTED_VERSION"),
            (.helloRequired, 0x0005, "HELLO_REQUIRED"), (.unauthenticated, 0x0010, "UNAUTHENTICATED"),
            (.forbidden, 0x0011, "FORBIDDEN"), (.unknownSKU, 0x0020, "UNKNOWN_SKU"),
            (.invalidArgument, 0x0021, "INVALID_ARGUMENT"), (.backendUnavailable, 0x0030, "BACKEND_UNAVAILABLE"),
            (.overloaded, 0x0031, "OVERLOADED"), (.shuttingDown, 0x0032, "SHUTTING_DOWN"),
            (.internalError, 0x00FF, "INTERNAL"),
        ]
        for (code, rawValue, name) in table {
            XCTAssertEqual(code.rawValue, rawValue)
            XCTAssertEqual(code.name, name)
            XCTAssertEqual(code.description, name)
        }
        XCTAssertEqual(Set(ErrorCode.allKnown), Set(table.map(\.0)))
    }

    func testUnknownErrorCodeKeepsItsNumber() {
        let code = ErrorCode(rawValue: 0x1234)
        XCTAssertEqual(code.name, "ERROR_0x1234")
        XCTAssertEqual(ErrorCode(rawValue: 0x00AB).name, "ERROR_0x00AB")
        XCTAssertEqual(code.rawValue, 0x1234)
        XCTAssertFalse(code.closesConnection)
        XCTAssertNotEqual(code, .internalError)
    }

    func testOnlyTheSpecsFatalCodesCloseTheConnection() {
        let closing = Set(ErrorCode.allKnown.filter(\.closesConnection))
        XCTAssertEqual(closing, [.frameTooLarge, .unsupportedVersion, .helloRequired])
    }

    func testWireErrorDescription() {
        XCTAssertEqual(WireError(.unknownSKU, "no such SKU").description, "UNKNOWN_SKU: no such SKU")
        XCTAssertEqual(WireError(ErrorCode(rawValue: 0x0777), "").description, "ERROR_0x0777")
    }

    func testVersionNegotiationPicksTheHighestCommonVersion() {
        XCTAssertEqual(ProtocolVersion.current, 2)
        XCTAssertEqual(ProtocolVersion.supported, 1...2)
        XCTAssertEqual(ProtocolVersion.negotiate(1...1), 1, "a version 1 client still gets version 1")
        XCTAssertEqual(ProtocolVersion.negotiate(1...7), 2)
        XCTAssertEqual(ProtocolVersion.negotiate(0...1), 1)
        XCTAssertEqual(ProtocolVersion.negotiate(2...7), 2)
        XCTAssertNil(ProtocolVersion.negotiate(3...7))
        XCTAssertNil(ProtocolVersion.negotiate(0...0))
    }
}
