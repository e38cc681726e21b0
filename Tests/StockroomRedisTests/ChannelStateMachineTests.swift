// The channel handler's state machine alone: reply matching, timeouts, connection loss, NOSCRIPT.

import NIOCore
import XCTest

@testable import StockroomRedis

final class ChannelStateMachineTests: XCTestCase {
    typealias Machine = RedisChannelHandler.StateMachine<Int>

    private let start = NIODeadline.uptimeNanoseconds(1_000_000_000)
    private let script = RedisScript(name: "s", source: "return 1")

    private func written(_ action: Machine.EnqueueAction, file: StaticString = #filePath, line: UInt = #line) -> NIODeadline?? {
        guard case .write(let armTimerAt) = action else {
            XCTFail("expected .write, got \(action)", file: file, line: line)
            return nil
        }
        return .some(armTimerAt)
    }

    func testRepliesAreMatchedInOrder() {
        var machine = Machine()
        for id in 1...3 {
            _ = written(machine.enqueue(.command(id), deadline: nil))
        }
        XCTAssertEqual(machine.inFlightCount, 3)
        guard case .succeed(1, .integer(10)) = machine.replyReceived(.integer(10)) else { return XCTFail() }
        guard case .fail(2, let error) = machine.replyReceived(.error("ERR nope")) else { return XCTFail() }
        XCTAssertEqual(error.code, .errorReply)
        XCTAssertEqual(error.message, "ERR nope")
        guard case .succeed(3, .null) = machine.replyReceived(.null) else { return XCTFail() }
        XCTAssertEqual(machine.inFlightCount, 0)
    }

    func testUnsolicitedReplyClosesWithProtocolError() {
        var machine = Machine()
        guard case .failAllAndClose(let pending, let error) = machine.replyReceived(.simpleString("OK")) else {
            return XCTFail()
        }
        XCTAssertTrue(pending.isEmpty)
        XCTAssertEqual(error.code, .protocolError)
        XCTAssertTrue(machine.isClosed)
    }

    func testConnectionLossFailsInFlightAndRejectsNewCommands() {
        var machine = Machine()
        _ = machine.enqueue(.command(1), deadline: nil)
        _ = machine.enqueue(.evalScript(2, EvalRequest(script: self.script, keys: [], arguments: []), isRetry: false), deadline: nil)
        _ = machine.enqueue(.preloadScript(sha1: self.script.sha1), deadline: nil)

        guard case .failAll(let pending, let error, closeChannel: false) = machine.channelInactive() else {
            return XCTFail()
        }
        XCTAssertEqual(pending.compactMap(\.target.promise), [1, 2])
        XCTAssertEqual(error.code, .connectionClosed)

        guard case .reject(let target, let rejection) = machine.enqueue(.command(4), deadline: nil) else {
            return XCTFail()
        }
        XCTAssertEqual(target.promise, 4)
        XCTAssertEqual(rejection.code, .notConnected)

        // Bytes already read when the channel died are ignored, not matched to anything.
        guard case .none = machine.replyReceived(.integer(1)) else { return XCTFail() }
        guard case .none = machine.channelInactive() else { return XCTFail() }
        guard case .none = machine.timerFired(now: self.start + .hours(1)) else { return XCTFail() }
    }

    func testOwnerCloseUsesTheGivenErrors() {
        var machine = Machine()
        _ = machine.enqueue(.command(1), deadline: nil)
        let closed = RedisError(.closed, "closed by owner")
        guard case .failAll(let pending, let error, closeChannel: true) = machine.close(failingWith: closed, rejectWith: closed) else {
            return XCTFail()
        }
        XCTAssertEqual(pending.map(\.target.promise), [1])
        XCTAssertEqual(error.code, .closed)
        guard case .reject(_, let rejection) = machine.enqueue(.command(2), deadline: nil) else { return XCTFail() }
        XCTAssertEqual(rejection.code, .closed)
        guard case .none = machine.close(failingWith: closed, rejectWith: closed) else { return XCTFail() }
    }

    func testTimerIsArmedForTheEarliestDeadlineOnly() {
        var machine = Machine()
        XCTAssertEqual(written(machine.enqueue(.command(1), deadline: self.start + .seconds(5))), .some(self.start + .seconds(5)))
        XCTAssertEqual(written(machine.enqueue(.command(2), deadline: self.start + .seconds(6))), .some(nil))
        XCTAssertEqual(written(machine.enqueue(.command(3), deadline: nil)), .some(nil))
        // A shorter per-call timeout moves the timer earlier.
        XCTAssertEqual(written(machine.enqueue(.command(4), deadline: self.start + .seconds(1))), .some(self.start + .seconds(1)))
    }

    func testTimerFiringWithoutLateCommandsRearms() {
        var machine = Machine()
        _ = machine.enqueue(.command(1), deadline: self.start + .seconds(1))
        _ = machine.enqueue(.command(2), deadline: self.start + .seconds(2))
        guard case .succeed(1, _) = machine.replyReceived(.integer(1)) else { return XCTFail() }
        guard case .arm(let deadline) = machine.timerFired(now: self.start + .seconds(1)) else { return XCTFail() }
        XCTAssertEqual(deadline, self.start + .seconds(2))
        guard case .succeed(2, _) = machine.replyReceived(.integer(2)) else { return XCTFail() }
        guard case .none = machine.timerFired(now: self.start + .seconds(2)) else { return XCTFail() }
        // Nothing armed now, so the next command arms again.
        XCTAssertEqual(written(machine.enqueue(.command(3), deadline: self.start + .seconds(9))), .some(self.start + .seconds(9)))
    }

    func testTimeoutFailsLateCommandsAndClosesTheRest() {
        var machine = Machine()
        _ = machine.enqueue(.command(1), deadline: nil)
        _ = machine.enqueue(.command(2), deadline: self.start + .seconds(1))
        _ = machine.enqueue(.preloadScript(sha1: "x"), deadline: self.start + .seconds(1))
        _ = machine.enqueue(.command(3), deadline: self.start + .seconds(3))
        guard case .timeoutAndClose(let timedOut, let others) = machine.timerFired(now: self.start + .seconds(2)) else {
            return XCTFail()
        }
        XCTAssertEqual(timedOut, [2])
        XCTAssertEqual(others, [1, 3])
        XCTAssertTrue(machine.isClosed)
        XCTAssertEqual(Machine.timeoutError.code, .timeout)
        XCTAssertEqual(Machine.closedByTimeoutError.code, .connectionClosed)
        guard case .reject(_, let rejection) = machine.enqueue(.command(4), deadline: nil) else { return XCTFail() }
        XCTAssertEqual(rejection.code, .notConnected)
        // The late reply, if it still arrives before the socket closes, is dropped.
        guard case .none = machine.replyReceived(.integer(1)) else { return XCTFail() }
    }

    func testNOSCRIPTIsReloadedAndRetriedOnce() {
        var machine = Machine()
        let request = EvalRequest(script: self.script, keys: ["k"], arguments: ["a"])
        _ = machine.enqueue(.evalScript(7, request, isRetry: false), deadline: nil)
        guard case .reloadScript(7, let reload) = machine.replyReceived(.error("NOSCRIPT No matching script.")) else {
            return XCTFail()
        }
        XCTAssertEqual(reload.keys, ["k"])

        _ = machine.enqueue(.reloadScript(7, reload), deadline: nil)
        guard case .retryEval(7, let retry) = machine.replyReceived(.bulkString(ByteBuffer(string: self.script.sha1))) else {
            return XCTFail()
        }

        _ = machine.enqueue(.evalScript(7, retry, isRetry: true), deadline: nil)
        guard case .fail(7, let error) = machine.replyReceived(.error("NOSCRIPT No matching script.")) else {
            return XCTFail()
        }
        XCTAssertEqual(error.code, .scriptNotLoaded)

        _ = machine.enqueue(.reloadScript(8, request), deadline: nil)
        guard case .fail(8, let loadError) = machine.replyReceived(.error("ERR Error compiling script")) else {
            return XCTFail()
        }
        XCTAssertEqual(loadError.code, .errorReply)
        XCTAssertTrue(loadError.message.contains("SCRIPT LOAD of script 's' failed"))

        _ = machine.enqueue(.preloadScript(sha1: "abc"), deadline: nil)
        guard case .forgetScript(sha1: "abc", _) = machine.replyReceived(.error("ERR Error compiling script")) else {
            return XCTFail()
        }
        _ = machine.enqueue(.evalScript(9, request, isRetry: false), deadline: nil)
        guard case .fail(9, let scriptError) = machine.replyReceived(.error("ERR user script failed")) else {
            return XCTFail()
        }
        XCTAssertEqual(scriptError.code, .errorReply)
    }
}
