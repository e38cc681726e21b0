import NIOCore
@testable import StockroomServer
import XCTest

/// The deadline rules with chosen instants: no clock, no sleeping.
final class ConnectionDeadlinesTests: XCTestCase {
    private let start = NIODeadline.uptimeNanoseconds(1_000_000_000)

    private func deadlines() -> ConnectionDeadlines {
        var limits = ConnectionLimits()
        limits.handshakeTimeout = .seconds(10)
        limits.frameTimeout = .seconds(5)
        limits.idleTimeout = .seconds(300)
        return ConnectionDeadlines(limits, connectedAt: start)
    }

    func testTheHandshakeMustBeDoneInTime() {
        let rules = deadlines()
        XCTAssertNil(rules.expiry(at: start + .seconds(9), authenticated: false, partialFrameSince: nil, lastReadAt: start, inFlight: 0))
        XCTAssertEqual(
            rules.expiry(at: start + .seconds(10), authenticated: false, partialFrameSince: nil, lastReadAt: start, inFlight: 0),
            .handshake(.seconds(10))
        )
        XCTAssertNil(
            rules.expiry(at: start + .seconds(10), authenticated: true, partialFrameSince: nil, lastReadAt: start + .seconds(9), inFlight: 0),
            "an authenticated connection has no handshake deadline"
        )
    }

    func testAStartedFrameMustBeCompleteInTimeWhateverElseArrives() {
        let rules = deadlines()
        let began = start + .seconds(20)
        // Bytes keep trickling in (the last read is recent), but the frame is not done.
        XCTAssertNil(rules.expiry(at: began + .seconds(4), authenticated: true, partialFrameSince: began, lastReadAt: began + .seconds(4), inFlight: 0))
        XCTAssertEqual(
            rules.expiry(at: began + .seconds(5), authenticated: true, partialFrameSince: began, lastReadAt: began + .seconds(5), inFlight: 0),
            .frame(.seconds(5))
        )
    }

    func testAnIdleConnectionExpiresOnlyWithNothingInFlight() {
        let rules = deadlines()
        let lastRead = start + .seconds(1)
        XCTAssertNil(rules.expiry(at: lastRead + .seconds(299), authenticated: true, partialFrameSince: nil, lastReadAt: lastRead, inFlight: 0))
        XCTAssertEqual(
            rules.expiry(at: lastRead + .seconds(300), authenticated: true, partialFrameSince: nil, lastReadAt: lastRead, inFlight: 0),
            .idle(.seconds(300))
        )
        XCTAssertNil(
            rules.expiry(at: lastRead + .seconds(300), authenticated: true, partialFrameSince: nil, lastReadAt: lastRead, inFlight: 1),
            "waiting for our answer is not idling"
        )
    }

    func testTheClockTicksAQuarterOfTheShortestDeadlineWithinBounds() {
        XCTAssertEqual(deadlines().checkInterval, .seconds(1))
        var quick = ConnectionLimits()
        quick.frameTimeout = .milliseconds(400)
        XCTAssertEqual(ConnectionDeadlines(quick, connectedAt: start).checkInterval, .milliseconds(100))
        quick.frameTimeout = .milliseconds(40)
        XCTAssertEqual(ConnectionDeadlines(quick, connectedAt: start).checkInterval, .milliseconds(50))
    }
}
