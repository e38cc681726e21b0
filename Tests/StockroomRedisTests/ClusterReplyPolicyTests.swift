// What the cluster router does with each error an attempt can get: made-up replies and instants.

import NIOCore
import XCTest

@testable import StockroomRedis

final class ClusterReplyPolicyTests: XCTestCase {
    private let policy = ClusterReplyPolicy()
    private let start = NIODeadline.uptimeNanoseconds(1_000_000_000)
    private var random = SystemRandomNumberGenerator()

    private func decide(_ error: RedisError, _ progress: inout ClusterReplyPolicy.Progress, at now: NIODeadline? = nil)
        -> ClusterReplyPolicy.Decision
    {
        self.policy.decide(error, progress: &progress, now: now ?? self.start, using: &self.random)
    }

    private func reply(_ message: String) -> RedisError { RedisError(.errorReply, message) }

    func testRedirectsAreParsed() {
        typealias Redirect = ClusterReplyPolicy.Redirect
        XCTAssertEqual(Redirect("MOVED 3999 127.0.0.1:7002"), .moved(slot: 3999, RedisNodeAddress(host: "127.0.0.1", port: 7002)))
        XCTAssertEqual(Redirect("ASK 0 10.0.0.5:6380"), .ask(slot: 0, RedisNodeAddress(host: "10.0.0.5", port: 6380)))
        XCTAssertEqual(Redirect("MOVED 1 ::1:7000"), .moved(slot: 1, RedisNodeAddress(host: "::1", port: 7000)))
        XCTAssertEqual(Redirect("TRYAGAIN Multiple keys request during rehashing of slot"), .tryAgain)
        XCTAssertEqual(Redirect("CLUSTERDOWN The cluster is down"), .clusterDown)
        XCTAssertEqual(Redirect("READONLY You can't write against a read only replica."), .readOnly)
        XCTAssertNil(Redirect("MOVED 16384 127.0.0.1:7002"), "no such slot")
        XCTAssertNil(Redirect("MOVED x 127.0.0.1:7002"))
        XCTAssertNil(Redirect("ERR wrong number of arguments"))
        XCTAssertNil(Redirect("NOSCRIPT No matching script"))
    }

    func testMovedAndAskAreFollowedUpToTheBound() {
        var progress = ClusterReplyPolicy.Progress()
        let node = RedisNodeAddress(host: "127.0.0.1", port: 7002)
        XCTAssertEqual(self.decide(self.reply("MOVED 12 127.0.0.1:7002"), &progress), .moved(slot: 12, to: node))
        XCTAssertEqual(self.decide(self.reply("ASK 12 127.0.0.1:7002"), &progress), .ask(to: node))
        for _ in 2..<self.policy.maximumRedirects {
            XCTAssertEqual(self.decide(self.reply("MOVED 12 127.0.0.1:7002"), &progress), .moved(slot: 12, to: node))
        }
        guard case .fail(let error) = self.decide(self.reply("MOVED 12 127.0.0.1:7002"), &progress) else {
            return XCTFail("a redirect past the bound must fail")
        }
        XCTAssertEqual(error.code, .clusterDown)
        XCTAssertTrue(error.isUnavailable)
    }

    func testTryAgainAndClusterDownAreRetriedWithinTheBudget() {
        var progress = ClusterReplyPolicy.Progress()
        var now = self.start
        var delays: [TimeAmount] = []
        while true {
            let decision = self.decide(self.reply(delays.count % 2 == 0 ? "CLUSTERDOWN The cluster is down" : "TRYAGAIN x"), &progress, at: now)
            guard case .retry(let delay) = decision else {
                guard case .fail(let error) = decision else { return XCTFail("\(decision)") }
                XCTAssertEqual(error.code, .clusterDown)
                XCTAssertTrue(error.isUnavailable, "a cluster that stays down is BACKEND_UNAVAILABLE, not an internal error")
                break
            }
            XCTAssertGreaterThan(delay, .zero)
            XCTAssertLessThanOrEqual(delay, .milliseconds(500))
            delays.append(delay)
            now = now + delay
        }
        XCTAssertGreaterThan(delays.count, 2, "some retries happen before giving up")
        XCTAssertLessThanOrEqual(now - self.start, self.policy.retryBudget, "never past the budget")
    }

    func testErrorsAfterTheCommandWasSentAreNeverRetried() {
        var progress = ClusterReplyPolicy.Progress()
        XCTAssertEqual(self.decide(RedisError(.connectionClosed, "lost"), &progress), .deliver(refreshTopology: true))
        XCTAssertEqual(self.decide(RedisError(.notConnected, "down"), &progress), .deliver(refreshTopology: true))
        XCTAssertEqual(self.decide(RedisError(.timeout, "late"), &progress), .deliver(refreshTopology: false))
        XCTAssertEqual(self.decide(RedisError(.closed, "closed"), &progress), .deliver(refreshTopology: false))
        XCTAssertEqual(self.decide(self.reply("ERR wrong number of arguments"), &progress), .deliver(refreshTopology: false))
        XCTAssertEqual(self.decide(self.reply("CROSSSLOT Keys in request don't hash to the same slot"), &progress), .deliver(refreshTopology: false))
    }
}
