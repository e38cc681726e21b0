import Foundation
import Hummingbird
import StockroomFactory
import StockroomFactorySimulator
import TestSupport
import XCTest

/// The simulated legacy factory keeps the original's contract.
final class SimulatorContractTests: XCTestCase {
    private func simulator(_ configure: (inout FactorySimulatorConfiguration) -> Void = { _ in }) -> FactorySimulator {
        var configuration = FactorySimulatorConfiguration()
        configuration.port = 0
        configuration.delay = .milliseconds(100)
        configure(&configuration)
        return FactorySimulator(configuration: configuration, logger: testLogger())
    }

    /// A receiver that records every callback.
    private static func callbackReceiver(_ inbox: Inbox) -> Router<BasicRequestContext> {
        let router = Router()
        router.post("/arrival") { request, _ -> Response in
            var request = request
            let body = try await request.collectBody(upTo: 1 << 16)
            await inbox.add(.init(path: request.uri.path, query: request.uri.query, body: String(buffer: body)))
            return Response(status: .ok)
        }
        return router
    }

    /// With a drop rate of 1 the factory takes the order (201) and produces it, but never calls back.
    func testADroppedCallbackIsAcceptedProducedAndNeverSent() async throws {
        let inbox = Inbox()
        let receiver = TestHTTPServer { Self.callbackReceiver(inbox) }
        let factory = simulator { $0.dropCallbackRate = 1 }
        try await withServices([receiver, factory]) {
            let callbackURL = "http://127.0.0.1:\(try await receiver.listening.port())/arrival?order=CP-9%401"
            let answer = try await httpPost(
                "http://127.0.0.1:\(try await factory.listening.port())/api/manufactures",
                body: legacyMessage(sku: "CP-9", count: "1", callbackURL: callbackURL)
            )
            XCTAssertEqual(answer.status, 201, answer.body)
            try await eventually("production ended") { () async -> Bool? in
                await factory.receivedOrders().first?.status == .callbackDropped ? true : nil
            }
            let deliveries = await inbox.deliveries
            XCTAssertTrue(deliveries.isEmpty, "no callback was sent")
        }
    }

    func testOrderIsAcknowledgedAndCalledBackOnceWithTheOriginalBody() async throws {
        let inbox = Inbox()
        let receiver = TestHTTPServer { Self.callbackReceiver(inbox) }
        let factory = simulator()
        try await withServices([receiver, factory]) {
            let receiverPort = try await receiver.listening.port()
            let port = try await factory.listening.port()
            let message = legacyMessage(
                sku: "CP-502101", count: "10",
                callbackURL: "http://127.0.0.1:\(receiverPort)/arrival?order=CP-502101%403"
            )

            let answer = try await httpPost("http://127.0.0.1:\(port)/api/manufactures", body: message)
            XCTAssertEqual(answer.status, 201, answer.body)
            let data = try XCTUnwrap((answer.json as? [String: Any])?["data"] as? [String: Any])
            let id = try XCTUnwrap(data["id"] as? String)
            XCTAssertNotNil(UUID(uuidString: id), id)
            XCTAssertEqual(data["reqestor"] as? String, "stockroom")
            let echo = try XCTUnwrap(data["data"] as? [String: Any])
            XCTAssertEqual(echo["MessageAttributeProductId"] as? String, "CP-502101")
            XCTAssertEqual(echo["MessageAttributeProductCnt"] as? Int, 10)
            XCTAssertEqual(echo["MessageGroupId"] as? String, "stock-arrival-group")

            let deliveries = try await eventually("the callback arrives") { () async -> [Inbox.Delivery]? in
                let deliveries = await inbox.deliveries
                return deliveries.isEmpty ? nil : deliveries
            }
            XCTAssertEqual(deliveries[0].body, message, "the callback carries the original JSON")
            XCTAssertEqual(deliveries[0].path, "/arrival")
            XCTAssertEqual(deliveries[0].query, "order=CP-502101%403", "the callback URL is called verbatim")

            // The simulator records the callback as sent only after the receiver answered it: from
            // then on a second callback would already be in the inbox.
            try await eventually("the order is called back") { () async -> Bool? in
                await factory.receivedOrders().first?.status == .calledBack ? true : nil
            }
            let callbacks = await inbox.deliveries.count
            XCTAssertEqual(callbacks, 1, "one callback, no retry")

            let list = try await httpGet("http://127.0.0.1:\(port)/api/manufactures")
            XCTAssertEqual(list.status, 200)
            let orders = try XCTUnwrap(list.json as? [[String: Any]])
            XCTAssertEqual(orders.count, 1)
            XCTAssertEqual(orders.first?["id"] as? String, id)
            XCTAssertEqual(orders.first?["status"] as? String, "called_back")
            XCTAssertEqual((orders.first?["data"] as? [String: Any])?["MessageAttributeProductId"] as? String, "CP-502101")
        }
    }

    func testCountAsStringAndTheOlderPathAreAccepted() async throws {
        let factory = simulator { $0.callbacks = false }
        try await withServices([factory]) {
            let port = try await factory.listening.port()
            let message = legacyMessage(sku: "CP-1", count: "\"7\"", callbackURL: "http://127.0.0.1:1/arrival?order=CP-1%401")
            let answer = try await httpPost("http://127.0.0.1:\(port)/manufacture", body: message)
            XCTAssertEqual(answer.status, 201, answer.body)
            let data = try XCTUnwrap((answer.json as? [String: Any])?["data"] as? [String: Any])
            XCTAssertEqual((data["data"] as? [String: Any])?["MessageAttributeProductCnt"] as? String, "7")

            let bad = try await httpPost(
                "http://127.0.0.1:\(port)/api/manufactures",
                body: legacyMessage(sku: "CP-1", count: "\"seven\"", callbackURL: "http://127.0.0.1:1/")
            )
            XCTAssertEqual(bad.status, 400)
            let orders = await factory.receivedOrders()
            XCTAssertEqual(orders.count, 1, "the bad order is not taken")
        }
    }

    func testFailRateOneAnswers500() async throws {
        let factory = simulator {
            $0.failRate = 1
            $0.timeoutShare = 0
        }
        try await withServices([factory]) {
            let port = try await factory.listening.port()
            for _ in 0..<3 {
                let answer = try await httpPost(
                    "http://127.0.0.1:\(port)/api/manufactures",
                    body: legacyMessage(sku: "CP-2", count: "1", callbackURL: "http://127.0.0.1:1/arrival?order=CP-2%401")
                )
                XCTAssertEqual(answer.status, 500)
            }
            let orders = await factory.receivedOrders()
            XCTAssertTrue(orders.isEmpty, "failed orders are not taken")
        }
    }

    func testOverloadAnswers503() async throws {
        let factory = simulator {
            $0.maxConcurrent = 1
            $0.delay = .seconds(60)  // still in production when the test ends; cancelled then
            $0.callbacks = false
        }
        try await withServices([factory]) {
            let port = try await factory.listening.port()
            let url = "http://127.0.0.1:\(port)/api/manufactures"
            let first = try await httpPost(
                url, body: legacyMessage(sku: "CP-3", count: "1", callbackURL: "http://127.0.0.1:1/arrival?order=CP-3%401")
            )
            XCTAssertEqual(first.status, 201)
            let second = try await httpPost(
                url, body: legacyMessage(sku: "CP-4", count: "1", callbackURL: "http://127.0.0.1:1/arrival?order=CP-4%401")
            )
            XCTAssertEqual(second.status, 503)
        }
    }
}
