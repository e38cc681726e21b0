import NIOCore
@testable import StockroomServer
import StockroomWire
import XCTest

/// The protocol rules alone, without sockets or Redis.
final class ConnectionStateMachineTests: XCTestCase {
    private func machine(
        tokens: Bool = false,
        maxInFlight: Int = 8,
        throttle: AuthenticationThrottle = AuthenticationThrottle(),
        peer: String = "192.0.2.1"
    ) -> ConnectionStateMachine {
        ConnectionStateMachine(
            credentials: CredentialStore(tokens ? Credentials(salesToken: "s", adminToken: "a") : Credentials()),
            throttle: throttle,
            peer: peer,
            maxInFlight: maxInFlight,
            maxFrameLength: 1000,
            serverName: "test"
        )
    }

    /// The frame the decoder would hand over: the encoded envelope minus its 10-byte header.
    private func frame(_ request: Request, id: UInt32) throws -> Frame {
        var buffer = ByteBuffer()
        RequestEnvelope(requestID: id, request: request).encode(into: &buffer)
        let payload = buffer.getSlice(at: buffer.readerIndex + 10, length: buffer.readableBytes - 10)!
        return Frame(opcode: request.opcode, flags: 0, requestID: id, payload: payload)
    }

    private let hello = Request.hello(Hello(minVersion: 1, maxVersion: 1, clientName: "t"))
    private let purchase = Request.purchase(Purchase(sku: "S", quantity: 1, purchaseID: "p", customer: ""))

    func testHelloOpensAndAdvertisesTheLimits() throws {
        var machine = machine()
        guard case .reply(let answer) = machine.frameReceived(try frame(hello, id: 1)),
            case .helloOK(let accepted) = answer.response
        else { return XCTFail("expected HELLO_OK") }
        XCTAssertEqual(accepted, HelloOK(version: 1, maxFrameLength: 1000, authenticationRequired: false, serverName: "test"))
        guard case .execute(requestID: 2, _) = machine.frameReceived(try frame(purchase, id: 2)) else {
            return XCTFail("an open connection without tokens runs purchases")
        }
    }

    func testInFlightLimitAndCompletion() throws {
        var machine = machine(maxInFlight: 2)
        _ = machine.frameReceived(try frame(hello, id: 1))
        guard case .execute = machine.frameReceived(try frame(purchase, id: 2)),
            case .execute = machine.frameReceived(try frame(purchase, id: 3))
        else { return XCTFail("two requests fit") }
        guard case .reply(let refused) = machine.frameReceived(try frame(purchase, id: 4)),
            case .error(let error) = refused.response
        else { return XCTFail("the third is refused") }
        XCTAssertEqual(error.code, .overloaded)
        guard case .none = machine.requestCompleted() else { return XCTFail() }
        guard case .execute(requestID: 5, _) = machine.frameReceived(try frame(purchase, id: 5)) else {
            return XCTFail("a completed request frees its place")
        }
    }

    func testQuiesceWaitsForRequestsInFlightThenCloses() throws {
        var machine = machine()
        _ = machine.frameReceived(try frame(hello, id: 1))
        _ = machine.frameReceived(try frame(purchase, id: 2))
        _ = machine.frameReceived(try frame(purchase, id: 3))
        guard case .none = machine.quiesce() else { return XCTFail("two requests are still in flight") }
        guard case .reply(let refused) = machine.frameReceived(try frame(purchase, id: 4)),
            case .error(let error) = refused.response
        else { return XCTFail("new requests are refused while draining") }
        XCTAssertEqual(error.code, .shuttingDown)
        guard case .none = machine.requestCompleted() else { return XCTFail("one is still in flight") }
        guard case .close = machine.requestCompleted() else { return XCTFail("the last answer closes") }
    }

    func testQuiesceClosesAnIdleConnectionAtOnce() throws {
        var machine = machine()
        guard case .close = machine.quiesce() else { return XCTFail("nothing to wait for") }
    }

    func testRolesGateRequests() throws {
        var machine = machine(tokens: true)
        _ = machine.frameReceived(try frame(hello, id: 1))
        guard case .reply(let unauthenticated) = machine.frameReceived(try frame(purchase, id: 2)),
            case .error(let first) = unauthenticated.response
        else { return XCTFail() }
        XCTAssertEqual(first.code, .unauthenticated)
        guard case .authenticated(let granted, _) = machine.frameReceived(try frame(.auth(token: "s"), id: 3)) else { return XCTFail() }
        XCTAssertEqual(granted.response, .authOK(.sales))
        let stockSet = Request.stockSet(StockSet(sku: "S", stock: 1, reorderPoint: nil, reorderQuantity: nil))
        guard case .reply(let forbidden) = machine.frameReceived(try frame(stockSet, id: 4)),
            case .error(let second) = forbidden.response
        else { return XCTFail() }
        XCTAssertEqual(second.code, .forbidden)
        _ = machine.frameReceived(try frame(.auth(token: "a"), id: 5))
        guard case .execute(requestID: 6, _) = machine.frameReceived(try frame(stockSet, id: 6)) else {
            return XCTFail("the admin role may set stock")
        }
    }

    func testASecondAuthReplacesTheRoleAndAFailedOneKeepsIt() throws {
        var machine = machine(tokens: true)
        _ = machine.frameReceived(try frame(hello, id: 1))
        guard case .authenticated(_, let admin) = machine.frameReceived(try frame(.auth(token: "a"), id: 2)) else { return XCTFail() }
        XCTAssertEqual(admin.role, .admin)
        guard case .authenticationFailed(_, closes: false, throttled: false) = machine.frameReceived(try frame(.auth(token: "nope"), id: 3)) else {
            return XCTFail("a wrong token is refused")
        }
        let stockSet = Request.stockSet(StockSet(sku: "S", stock: 1, reorderPoint: nil, reorderQuantity: nil))
        guard case .execute = machine.frameReceived(try frame(stockSet, id: 4)) else { return XCTFail("still admin") }
        guard case .authenticated(_, let sales) = machine.frameReceived(try frame(.auth(token: "s"), id: 5)) else { return XCTFail() }
        XCTAssertEqual(sales.role, .sales)
        guard case .reply(let forbidden) = machine.frameReceived(try frame(stockSet, id: 6)), case .error(let error) = forbidden.response else {
            return XCTFail("now sales")
        }
        XCTAssertEqual(error.code, .forbidden)
    }

    func testThreeFailedAuthsCloseTheConnection() throws {
        var machine = machine(tokens: true)
        _ = machine.frameReceived(try frame(hello, id: 1))
        for id: UInt32 in 2...3 {
            guard case .authenticationFailed(_, closes: false, _) = machine.frameReceived(try frame(.auth(token: "guess\(id)"), id: id)) else {
                return XCTFail("attempt \(id) should stay open")
            }
        }
        guard case .authenticationFailed(let last, closes: true, throttled: false) = machine.frameReceived(try frame(.auth(token: "guess4"), id: 4)),
            case .error(let error) = last.response
        else { return XCTFail("the third failure closes") }
        XCTAssertEqual(error.code, .unauthenticated)
        guard case .none = machine.frameReceived(try frame(.auth(token: "s"), id: 5)) else { return XCTFail("closed") }
    }

    /// Failures count per address over all its connections: past the limit even the right token is
    /// refused unchecked; another address is unaffected.
    func testAnAddressWithTooManyFailuresIsThrottledOnEveryConnection() throws {
        let throttle = AuthenticationThrottle(policy: .init(failuresPerConnection: 3, failuresPerAddress: 4, window: .seconds(60)))
        for connection in 0..<2 {
            var guesser = machine(tokens: true, throttle: throttle)
            _ = guesser.frameReceived(try frame(hello, id: 1))
            for attempt: UInt32 in 2...3 {
                guard case .authenticationFailed(_, _, throttled: false) = guesser.frameReceived(try frame(.auth(token: "g"), id: attempt)) else {
                    return XCTFail("connection \(connection), attempt \(attempt)")
                }
            }
        }
        var next = machine(tokens: true, throttle: throttle)
        _ = next.frameReceived(try frame(hello, id: 1))
        guard case .authenticationFailed(_, closes: true, throttled: true) = next.frameReceived(try frame(.auth(token: "s"), id: 2)) else {
            return XCTFail("throttled: the token is not even checked")
        }
        var elsewhere = machine(tokens: true, throttle: throttle, peer: "198.51.100.7")
        _ = elsewhere.frameReceived(try frame(hello, id: 1))
        guard case .authenticated = elsewhere.frameReceived(try frame(.auth(token: "s"), id: 2)) else {
            return XCTFail("another address is not throttled")
        }
        XCTAssertFalse(throttle.mayAttempt(from: "192.0.2.1"))
        XCTAssertTrue(throttle.mayAttempt(from: "192.0.2.1", now: .now() + .seconds(61)), "the window passes")
    }

    /// Version 1 has no word for OPS: an ops credential cannot authenticate a version 1 connection,
    /// and the refusal is not counted as a guess.
    func testTheOpsRoleNeedsVersionTwo() throws {
        let (credential, token) = Credential.generate(name: "grafana", role: .ops)
        let throttle = AuthenticationThrottle(policy: .init(failuresPerConnection: 1, failuresPerAddress: 1))
        func connect(offering versions: ClosedRange<UInt16>) throws -> ConnectionStateMachine {
            var machine = ConnectionStateMachine(
                credentials: CredentialStore(Credentials([credential])), throttle: throttle, peer: "192.0.2.9",
                maxInFlight: 8, maxFrameLength: 1000, serverName: "test"
            )
            _ = machine.frameReceived(try frame(.hello(Hello(minVersion: versions.lowerBound, maxVersion: versions.upperBound, clientName: "t")), id: 1))
            return machine
        }
        var old = try connect(offering: 1...1)
        guard case .reply(let refused) = old.frameReceived(try frame(.auth(token: token), id: 2)), case .error(let error) = refused.response else {
            return XCTFail("refused on version 1")
        }
        XCTAssertEqual(error.code, .unauthenticated)
        XCTAssertTrue(throttle.mayAttempt(from: "192.0.2.9"), "not a failed guess")
        var new = try connect(offering: 1...2)
        guard case .authenticated(let granted, _) = new.frameReceived(try frame(.auth(token: token), id: 2)) else { return XCTFail() }
        XCTAssertEqual(granted.response, .authOK(.ops))
    }

    func testAuthOnAServerWithoutCredentialsSaysAdmin() throws {
        var machine = machine(tokens: false)
        _ = machine.frameReceived(try frame(hello, id: 1))
        guard case .reply(let answer) = machine.frameReceived(try frame(.auth(token: "anything"), id: 2)) else { return XCTFail() }
        XCTAssertEqual(answer.response, .authOK(.admin))
    }

    func testTheOpsRoleMayOnlyRead() {
        XCTAssertTrue(Role.ops.may(.stockGet(sku: "S")))
        XCTAssertFalse(Role.ops.may(purchase))
        XCTAssertFalse(Role.ops.may(.stockAdjust(StockAdjust(sku: "S", delta: 1))))
        XCTAssertTrue(Role.sales.may(purchase))
        XCTAssertFalse(Role.sales.may(.stockAdjust(StockAdjust(sku: "S", delta: 1))))
        XCTAssertTrue(Role.admin.may(.stockAdjust(StockAdjust(sku: "S", delta: 1))))
    }

    func testStreamFailureAnswersOnRequestIDZeroAndCloses() {
        var badHeader = machine()
        guard case .replyAndClose(let badFrame) = badHeader.streamFailed(WireError(.badFrame, "short")) else {
            return XCTFail("BAD_FRAME does not close by itself, but a broken stream always does")
        }
        XCTAssertEqual(badFrame.requestID, 0)
        guard case .none = badHeader.streamFailed(WireError(.badFrame, "more garbage before the close")) else {
            return XCTFail("the peer hears of a broken stream once")
        }

        var machine = machine()
        guard case .replyAndClose(let answer) = machine.streamFailed(WireError(.frameTooLarge, "big")) else {
            return XCTFail()
        }
        XCTAssertEqual(answer.requestID, 0)
        guard case .none = machine.frameReceived(Frame(opcode: .ping, flags: 0, requestID: 9, payload: ByteBuffer())) else {
            return XCTFail("a closed connection answers nothing more")
        }
    }
}
