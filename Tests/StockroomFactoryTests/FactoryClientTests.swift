import Foundation
import Hummingbird
@testable import StockroomFactory
import TestSupport
import XCTest

/// Counts the requests a fake factory is serving at once.
actor ConcurrencyGauge {
    private(set) var current = 0
    private(set) var maximum = 0
    private(set) var total = 0
    private(set) var bodies: [String] = []

    func enter(body: String) {
        current += 1
        total += 1
        maximum = max(maximum, current)
        bodies.append(body)
    }

    func leave() { current -= 1 }
}

final class FactoryClientTests: XCTestCase {
    /// A fake factory that answers each order after `hold` with `status` and `answer`.
    private static func fakeFactory(
        gauge: ConcurrencyGauge,
        hold: Duration = .zero,
        status: HTTPResponse.Status = .created,
        answer: String = #"{"data":{"id":"6f1c9a56-8a6e-4d8e-9d61-0c1f4f3e2a11","reqestor":"stockroom","data":{}}}"#
    ) -> Router<BasicRequestContext> {
        let router = Router()
        router.post("/api/manufactures") { request, _ -> Response in
            var request = request
            let body = try await request.collectBody(upTo: 1 << 16)
            await gauge.enter(body: String(buffer: body))
            try? await Task.sleep(for: hold)
            await gauge.leave()
            return Response(status: status, body: ResponseBody(byteBuffer: ByteBuffer(string: answer)))
        }
        return router
    }

    private func client(port: Int, _ configure: (inout FactoryConfiguration) -> Void = { _ in }) -> FactoryClient {
        var configuration = FactoryConfiguration()
        configuration.baseURL = "http://127.0.0.1:\(port)"
        configuration.callbackURL = "http://127.0.0.1:7480/arrival"
        configuration.requestTimeout = .seconds(5)
        configure(&configuration)
        return FactoryClient(configuration: configuration, httpClient: testHTTPClient, logger: testLogger())
    }

    func testSendsTheLegacyMessageAndReadsTheFactoryID() async throws {
        let gauge = ConcurrencyGauge()
        let server = TestHTTPServer { Self.fakeFactory(gauge: gauge) }
        try await withServices([server]) {
            let client = client(port: try await server.listening.port())
            let request = client.makeRequest(sku: "CP-502101", quantity: 10, order: "CP-502101@3", token: "t0k3n")
            let acknowledgement = try await client.placeOrder(request)
            XCTAssertEqual(acknowledgement.id, "6f1c9a56-8a6e-4d8e-9d61-0c1f4f3e2a11")
            XCTAssertEqual(acknowledgement.requester, "stockroom")

            let bodies = await gauge.bodies
            let body = try XCTUnwrap(bodies.first)
            let json = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any])
            XCTAssertEqual(json["MessageGroupId"] as? String, "stock-arrival-group")
            XCTAssertEqual(json["MessageAttributeProductId"] as? String, "CP-502101")
            XCTAssertEqual(json["MessageAttributeProductCnt"] as? Int, 10)
            XCTAssertEqual(json["MessageAttributeFactoryId"] as? String, "FF-500293")
            XCTAssertEqual(json["MessageAttributeRequester"] as? String, "stockroom")
            XCTAssertEqual(json["CallbackUrl"] as? String, "http://127.0.0.1:7480/arrival?order=CP-502101%403&token=t0k3n")
            XCTAssertFalse(body.contains(#"\/"#), "URLs are sent unescaped, as the legacy tools expect")
        }
    }

    func testConcurrencyNeverExceedsTheLimit() async throws {
        let gauge = ConcurrencyGauge()
        let server = TestHTTPServer { Self.fakeFactory(gauge: gauge, hold: .milliseconds(100)) }
        try await withServices([server]) {
            let client = client(port: try await server.listening.port()) {
                $0.maxConcurrentCalls = 2
                $0.maxCallsPerSecond = 1000
            }
            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in 0..<8 {
                    group.addTask {
                        _ = try await client.placeOrder(client.makeRequest(sku: "CP-\(index)", quantity: 1, order: "CP-\(index)@1", token: "t0k3n"))
                    }
                }
                try await group.waitForAll()
            }
            let total = await gauge.total
            let maximum = await gauge.maximum
            XCTAssertEqual(total, 8)
            XCTAssertGreaterThanOrEqual(maximum, 1)
            XCTAssertLessThanOrEqual(maximum, 2, "never more than maxConcurrentCalls in flight")
        }
    }

    func testRatePacerSpacesStartsByTheInterval() {
        var pacer = RatePacer(ratePerSecond: 10)
        let t0 = ContinuousClock.now
        // Three calls asked for at once start 100 ms apart.
        XCTAssertEqual(pacer.reserve(now: t0), t0)
        XCTAssertEqual(pacer.reserve(now: t0), t0 + .milliseconds(100))
        XCTAssertEqual(pacer.reserve(now: t0), t0 + .milliseconds(200))
        // A call after a quiet spell starts at once, and no burst builds up during the quiet.
        let later = t0 + .seconds(5)
        XCTAssertEqual(pacer.reserve(now: later), later)
        XCTAssertEqual(pacer.reserve(now: later), later + .milliseconds(100))
        // A call asked for mid-interval waits for the rest of it.
        XCTAssertEqual(pacer.reserve(now: later + .milliseconds(150)), later + .milliseconds(200))
    }

    func testRatePacerWithoutLimitNeverDelays() {
        var pacer = RatePacer(ratePerSecond: 0)
        let t0 = ContinuousClock.now
        for _ in 0..<5 { XCTAssertEqual(pacer.reserve(now: t0), t0) }
    }

    func testNon2xxAnswersAreTypedErrors() async throws {
        for (status, code) in [(HTTPResponse.Status.internalServerError, FactoryError.Code.rejected), (.serviceUnavailable, .overloaded)] {
            let gauge = ConcurrencyGauge()
            let server = TestHTTPServer { Self.fakeFactory(gauge: gauge, status: status, answer: #"{"error":"no"}"#) }
            try await withServices([server]) {
                let client = client(port: try await server.listening.port())
                do throws(FactoryError) {
                    let answer = try await client.placeOrder(client.makeRequest(sku: "CP-1", quantity: 1, order: "CP-1@1", token: "t0k3n"))
                    XCTFail("expected \(code), got \(answer)")
                } catch {
                    XCTAssertEqual(error.code, code, "\(error)")
                    XCTAssertEqual(error.status, Int(status.code))
                }
            }
        }
    }

    func testAnAnswerWithoutAnIDIsAnInvalidResponse() async throws {
        let gauge = ConcurrencyGauge()
        let server = TestHTTPServer { Self.fakeFactory(gauge: gauge, answer: "created") }
        try await withServices([server]) {
            let client = client(port: try await server.listening.port())
            await XCTAssertFactoryError(.invalidResponse) { () async throws(FactoryError) in
                try await client.placeOrder(client.makeRequest(sku: "CP-1", quantity: 1, order: "CP-1@1", token: "t0k3n"))
            }
        }
    }

    func testASlowFactoryTimesOut() async throws {
        let gauge = ConcurrencyGauge()
        let server = TestHTTPServer { Self.fakeFactory(gauge: gauge, hold: .seconds(1)) }
        try await withServices([server]) {
            let client = client(port: try await server.listening.port()) { $0.requestTimeout = .milliseconds(200) }
            await XCTAssertFactoryError(.timeout) { () async throws(FactoryError) in
                try await client.placeOrder(client.makeRequest(sku: "CP-1", quantity: 1, order: "CP-1@1", token: "t0k3n"))
            }
        }
    }

    func testAnUnreachableFactoryIsAConnectionFailure() async throws {
        let client = client(port: try freeLoopbackPort()) { $0.requestTimeout = .seconds(1) }
        await XCTAssertFactoryError(.connectionFailed) { () async throws(FactoryError) in
            try await client.placeOrder(client.makeRequest(sku: "CP-1", quantity: 1, order: "CP-1@1", token: "t0k3n"))
        }
    }

    func testAZeroQuantityIsRefusedBeforeCalling() async throws {
        let client = client(port: try freeLoopbackPort()) { $0.requestTimeout = .seconds(1) }
        await XCTAssertFactoryError(.invalidArgument) { () async throws(FactoryError) in
            try await client.placeOrder(client.makeRequest(sku: "CP-1", quantity: 0, order: "CP-1@1", token: "t0k3n"))
        }
    }
}
