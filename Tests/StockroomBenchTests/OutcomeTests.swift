import StockroomBench
import StockroomClient
import StockroomCore
import XCTest

/// Which failures the oversell check must allow for: a purchase that may have sold (no answer, a
/// backend failure) is uncertain; one refused before anything happened is not.
final class OutcomeTests: XCTestCase {
    private func server(_ code: ErrorCode) -> StockroomClientError {
        var error = StockroomClientError(.server, "refused")
        error.serverCode = code
        return error
    }

    func testServerRefusalsMadeBeforeTheScriptAreCertain() {
        XCTAssertEqual(StockroomTarget.outcome(of: server(.overloaded)), .error(code: "OVERLOADED", uncertain: false))
        XCTAssertEqual(StockroomTarget.outcome(of: server(.invalidArgument)), .error(code: "INVALID_ARGUMENT", uncertain: false))
        XCTAssertEqual(StockroomTarget.outcome(of: server(.forbidden)), .error(code: "FORBIDDEN", uncertain: false))
    }

    func testFailuresThatMayFollowASaleAreUncertain() {
        XCTAssertEqual(StockroomTarget.outcome(of: server(.backendUnavailable)), .error(code: "BACKEND_UNAVAILABLE", uncertain: true))
        XCTAssertEqual(StockroomTarget.outcome(of: server(.internalError)), .error(code: "INTERNAL", uncertain: true))
        XCTAssertEqual(StockroomTarget.outcome(of: StockroomClientError(.timeout, "late")), .error(code: "timeout", uncertain: true))
        XCTAssertEqual(
            StockroomTarget.outcome(of: StockroomClientError(.connectionClosed, "gone")), .error(code: "connectionClosed", uncertain: true)
        )
    }

    func testARequestNeverSentIsCertain() {
        XCTAssertEqual(StockroomTarget.outcome(of: StockroomClientError(.clientClosed, "closed")), .error(code: "clientClosed", uncertain: false))
        XCTAssertEqual(StockroomTarget.outcome(of: StockroomClientError(.connectFailed, "no")), .error(code: "connectFailed", uncertain: false))
    }

    func testTheRedisTargetClassifiesTheScriptsRefusalsAndRedisFailures() {
        XCTAssertEqual(RedisTarget.outcome(of: SalesError(.unknownSKU, "x")), .error(code: "UNKNOWN_SKU", uncertain: false))
        XCTAssertEqual(RedisTarget.outcome(of: SalesError(.backendUnavailable, "x")), .error(code: "BACKEND_UNAVAILABLE", uncertain: true))
        XCTAssertEqual(RedisTarget.outcome(of: CancellationError()), .error(code: "CancellationError", uncertain: true))
    }
}
