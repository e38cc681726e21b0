// At most one CLUSTER SHARDS in flight, and not more often than the interval: made-up instants.

import NIOCore
import XCTest

@testable import StockroomRedis

final class TopologyRefreshLimiterTests: XCTestCase {
    private let t0 = NIODeadline.uptimeNanoseconds(5_000_000_000)

    func testABurstOfRequestsMakesOneRefreshAndAtMostOneMore() {
        var limiter = TopologyRefreshLimiter(minimumInterval: .milliseconds(100))
        XCTAssertEqual(limiter.request(now: self.t0), .start)
        for offset in 1...1000 {
            XCTAssertEqual(limiter.request(now: self.t0 + .microseconds(Int64(offset))), .none)
        }
        // Asked again while it ran: once more, but not before the interval is over.
        XCTAssertEqual(limiter.finished(now: self.t0 + .milliseconds(5)), .schedule(at: self.t0 + .milliseconds(100)))
        XCTAssertEqual(limiter.request(now: self.t0 + .milliseconds(50)), .none, "the scheduled refresh covers it")
        XCTAssertEqual(limiter.timerFired(now: self.t0 + .milliseconds(100)), .start)
        XCTAssertEqual(limiter.finished(now: self.t0 + .milliseconds(110)), .none, "nobody asked meanwhile")
        XCTAssertEqual(limiter.request(now: self.t0 + .milliseconds(300)), .start, "long after: at once")
    }

    func testARequestSoonAfterARefreshWaitsForTheInterval() {
        var limiter = TopologyRefreshLimiter(minimumInterval: .milliseconds(100))
        XCTAssertEqual(limiter.request(now: self.t0), .start)
        XCTAssertEqual(limiter.finished(now: self.t0 + .milliseconds(2)), .none)
        XCTAssertEqual(limiter.request(now: self.t0 + .milliseconds(30)), .schedule(at: self.t0 + .milliseconds(100)))
    }
}
