import NIOCore
import StockroomRedis
import XCTest

@testable import StockroomCore

/// The purchase script's compact answers, read without Redis.
final class PurchaseAnswerTests: XCTestCase {
    private func answer(_ text: String) -> RESPValue { .bulkString(ByteBuffer(string: text)) }

    func testEachFormReadsAsItsDecision() throws {
        XCTAssertEqual(try PurchaseDecision(scriptAnswer: answer("S41")), PurchaseDecision(outcome: .sold, stock: 41, isReplay: false))
        XCTAssertEqual(
            try PurchaseDecision(scriptAnswer: answer("O0o")),
            PurchaseDecision(outcome: .outOfStock, stock: 0, isReplay: false, openedFactoryOrder: true)
        )
        XCTAssertEqual(try PurchaseDecision(scriptAnswer: answer("S41r")), PurchaseDecision(outcome: .sold, stock: 41, isReplay: true))
        XCTAssertEqual(
            try PurchaseDecision(scriptAnswer: answer("S999999999999999")),
            PurchaseDecision(outcome: .sold, stock: 999_999_999_999_999, isReplay: false)
        )
    }

    func testARefusalThrowsItsCode() {
        let refusal = RESPValue.array([answer("UNKNOWN_SKU"), answer("unknown SKU NOPE")])
        XCTAssertThrowsError(try PurchaseDecision(scriptAnswer: refusal)) { XCTAssertEqual(($0 as? SalesError)?.code, .unknownSKU) }
    }

    func testAnythingElseIsAnInternalError() {
        for text in ["", "S", "X41", "S41x", "Sr", "s41"] {
            XCTAssertThrowsError(try PurchaseDecision(scriptAnswer: answer(text)), text) {
                XCTAssertEqual(($0 as? SalesError)?.code, .internalError, text)
            }
        }
        XCTAssertThrowsError(try PurchaseDecision(scriptAnswer: .integer(41))) { XCTAssertEqual(($0 as? SalesError)?.code, .internalError) }
    }
}
