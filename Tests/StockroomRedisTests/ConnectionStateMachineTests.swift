// RedisConnection's lifecycle state machine alone: connect, loss, back-off, reconnect, close.

import XCTest

@testable import StockroomRedis

final class ConnectionStateMachineTests: XCTestCase {
    final class FakeChannel {}
    typealias Machine = RedisConnection.StateMachine<FakeChannel>

    private func ready(_ machine: inout Machine, _ channel: FakeChannel, isFirst: Bool) {
        guard case .handshake(let handshaking) = machine.channelConnected(channel) else { return XCTFail() }
        XCTAssertTrue(handshaking === channel)
        guard case .becomeReady(let readyChannel, let first) = machine.handshakeSucceeded(channel) else { return XCTFail() }
        XCTAssertTrue(readyChannel === channel)
        XCTAssertEqual(first, isFirst)
        XCTAssertTrue(machine.isReady)
    }

    func testLossReconnectsWithGrowingAttemptsUntilItWorks() {
        var machine = Machine()
        guard case .connect(attempt: 0, seed: 0) = machine.start() else { return XCTFail() }
        guard case .fail(let early) = machine.send() else { return XCTFail() }
        XCTAssertEqual(early.code, .notConnected)

        let first = FakeChannel()
        self.ready(&machine, first, isFirst: true)
        guard case .send(let target) = machine.send(), target === first else { return XCTFail() }

        guard case .scheduleReconnect(attempt: 0, _) = machine.connectionLost(first) else { return XCTFail() }
        XCTAssertFalse(machine.isReady)
        guard case .fail(let down) = machine.send() else { return XCTFail() }
        XCTAssertEqual(down.code, .notConnected)

        guard case .connect(attempt: 0, seed: 0) = machine.reconnectTimerFired() else { return XCTFail() }
        let refused = RedisError(.notConnected, "refused")
        guard case .scheduleReconnect(attempt: 1, let after) = machine.connectFailed(refused) else { return XCTFail() }
        XCTAssertEqual(after.message, "refused")
        guard case .connect(attempt: 1, seed: 0) = machine.reconnectTimerFired() else { return XCTFail() }
        guard case .scheduleReconnect(attempt: 2, _) = machine.connectFailed(refused) else { return XCTFail() }
        guard case .connect(attempt: 2, seed: 0) = machine.reconnectTimerFired() else { return XCTFail() }

        let second = FakeChannel()
        self.ready(&machine, second, isFirst: false)
        // The old channel's close arriving late must not tear down the new one.
        guard case .none = machine.connectionLost(first) else { return XCTFail() }
        guard case .send(let newTarget) = machine.send(), newTarget === second else { return XCTFail() }

        guard case .closeConnection(let closing, failStartup: false) = machine.close(), closing === second else {
            return XCTFail()
        }
        guard case .fail(let closed) = machine.send() else { return XCTFail() }
        XCTAssertEqual(closed.code, .closed)
        guard case .none = machine.connectionLost(second) else { return XCTFail() }
        guard case .none = machine.close() else { return XCTFail() }
    }

    func testFirstConnectFailureIsReportedAndNotRetried() {
        var machine = Machine()
        _ = machine.start()
        let refused = RedisError(.notConnected, "refused")
        guard case .failStartup(let error) = machine.connectFailed(refused) else { return XCTFail() }
        XCTAssertEqual(error.message, "refused")
        guard case .fail(let closed) = machine.send() else { return XCTFail() }
        XCTAssertEqual(closed.code, .closed)
    }

    func testStartUpTriesEachSeedInOrderAndReconnectsToTheOneThatAnswered() {
        var machine = Machine(seedCount: 3)
        guard case .connect(attempt: 0, seed: 0) = machine.start() else { return XCTFail() }
        let refused = RedisError(.notConnected, "refused")
        guard case .connectToNextSeed(seed: 1, _) = machine.connectFailed(refused) else { return XCTFail() }
        // A seed whose handshake fails counts as failed too.
        guard case .handshake = machine.channelConnected(FakeChannel()) else { return XCTFail() }
        guard case .connectToNextSeed(seed: 2, _) = machine.connectFailed(RedisError(.errorReply, "WRONGPASS")) else {
            return XCTFail()
        }
        let channel = FakeChannel()
        self.ready(&machine, channel, isFirst: true)
        guard case .scheduleReconnect(attempt: 0, _) = machine.connectionLost(channel) else { return XCTFail() }
        guard case .connect(attempt: 0, seed: 2) = machine.reconnectTimerFired() else { return XCTFail() }
    }

    func testEverySeedFailingFailsStartUp() {
        var machine = Machine(seedCount: 2)
        _ = machine.start()
        guard case .connectToNextSeed(seed: 1, _) = machine.connectFailed(RedisError(.notConnected, "first")) else { return XCTFail() }
        guard case .failStartup(let error) = machine.connectFailed(RedisError(.notConnected, "second")) else { return XCTFail() }
        XCTAssertEqual(error.message, "second")
    }

    func testAClusterNodeConnectionReportsItsFailedStartAndKeepsTrying() {
        var machine = Machine(retriesFirstConnect: true)
        _ = machine.start()
        guard case .failStartupAndReconnect(attempt: 1, _) = machine.connectFailed(RedisError(.notConnected, "down")) else {
            return XCTFail()
        }
        guard case .fail(let down) = machine.send() else { return XCTFail() }
        XCTAssertEqual(down.code, .notConnected, "fails fast, as unavailable, while the node is down")
        guard case .connect(attempt: 1, seed: 0) = machine.reconnectTimerFired() else { return XCTFail() }
        self.ready(&machine, FakeChannel(), isFirst: false)
    }

    func testFailedHandshakeAfterTCPConnectCountsAsFailedAttempt() {
        var machine = Machine()
        _ = machine.start()
        let channel = FakeChannel()
        guard case .handshake = machine.channelConnected(channel) else { return XCTFail() }
        guard case .failStartup = machine.connectFailed(RedisError(.errorReply, "WRONGPASS")) else {
            return XCTFail()
        }
        // Its channel closing afterwards changes nothing.
        guard case .none = machine.connectionLost(channel) else { return XCTFail() }
    }

    func testCloseWhileConnecting() {
        var machine = Machine()
        _ = machine.start()
        guard case .closeConnection(nil, failStartup: true) = machine.close() else { return XCTFail() }
        let late = FakeChannel()
        guard case .close(let closing) = machine.channelConnected(late), closing === late else { return XCTFail() }
        guard case .none = machine.connectFailed(RedisError(.notConnected, "x")) else { return XCTFail() }
    }

    func testCloseDuringHandshakeClosesThatChannel() {
        var machine = Machine()
        _ = machine.start()
        let channel = FakeChannel()
        _ = machine.channelConnected(channel)
        guard case .closeConnection(let closing, failStartup: true) = machine.close(), closing === channel else {
            return XCTFail()
        }
        guard case .close = machine.handshakeSucceeded(channel) else { return XCTFail() }
    }

    func testCloseWhileWaitingToReconnectCancelsTheTimer() {
        var machine = Machine()
        _ = machine.start()
        let channel = FakeChannel()
        self.ready(&machine, channel, isFirst: true)
        _ = machine.connectionLost(channel)
        guard case .cancelReconnectTimer = machine.close() else { return XCTFail() }
        guard case .none = machine.reconnectTimerFired() else { return XCTFail() }
    }

    func testBackoffGrowsToTheCapWithJitter() {
        let backoff = Backoff(initial: .milliseconds(50), maximum: .seconds(2), multiplier: 2)
        XCTAssertEqual(backoff.baseDelay(attempt: 0), .milliseconds(50))
        XCTAssertEqual(backoff.baseDelay(attempt: 1), .milliseconds(100))
        XCTAssertEqual(backoff.baseDelay(attempt: 3), .milliseconds(400))
        XCTAssertEqual(backoff.baseDelay(attempt: 6), .seconds(2))
        XCTAssertEqual(backoff.baseDelay(attempt: 10_000), .seconds(2))
        for attempt in 0..<10 {
            let base = backoff.baseDelay(attempt: attempt)
            for _ in 0..<20 {
                let delay = backoff.delay(attempt: attempt)
                XCTAssertGreaterThanOrEqual(delay, base / 2)
                XCTAssertLessThanOrEqual(delay, base)
            }
        }
    }
}
