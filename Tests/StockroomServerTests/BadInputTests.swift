import NIOCore
import StockroomClient
import StockroomWire
import TestSupport
import XCTest

/// DESIGN rule 10: bad input gets a typed error, changes nothing, and nobody else notices.
final class BadInputTests: XCTestCase {
    func testMalformedPayloadIsBadFrameAndTheConnectionStaysUsable() async throws {
        try await withSalesServer { harness in
            try await withRawConnection(port: harness.port) { connection in
                try await connection.hello()
                // PURCHASE (0x10), id 7, payload cut short inside the SKU string.
                try await connection.sendBytes([0, 0, 0, 9, 0x10, 0, 0, 0, 0, 7, 0, 9, 0x41])
                try await connection.expectError(.badFrame, id: 7)
                try await connection.send(.ping(ByteBuffer(string: "still here")), id: 8)
                let pong = try await connection.receive()
                XCTAssertEqual(pong, ResponseEnvelope(requestID: 8, response: .pong(ByteBuffer(string: "still here"))))
            }
        }
    }

    func testNonZeroFlagsAreBadFrame() async throws {
        try await withSalesServer { harness in
            try await withRawConnection(port: harness.port) { connection in
                try await connection.hello()
                try await connection.sendBytes([0, 0, 0, 6, 0x03, 0x01, 0, 0, 0, 5])
                try await connection.expectError(.badFrame, id: 5)
            }
        }
    }

    func testUnknownOpcodeIsTypedAndTheConnectionStaysUsable() async throws {
        try await withSalesServer { harness in
            try await withRawConnection(port: harness.port) { connection in
                try await connection.hello()
                try await connection.sendBytes([0, 0, 0, 6, 0x4F, 0, 0, 0, 0, 3])
                try await connection.expectError(.unknownOpcode, id: 3)
                // A response opcode sent as a request is unknown too.
                try await connection.sendBytes([0, 0, 0, 6, 0x83, 0, 0, 0, 0, 4])
                try await connection.expectError(.unknownOpcode, id: 4)
                try await connection.send(.ping(ByteBuffer()), id: 5)
                let pongID = try await connection.receive()?.requestID
                XCTAssertEqual(pongID, 5)
            }
        }
    }

    func testAnOversizedLengthClosesTheConnectionWithFrameTooLarge() async throws {
        try await withSalesServer(configure: { $0.maxFrameLength = 1024 }) { harness in
            try await withRawConnection(port: harness.port) { connection in
                try await connection.hello()
                // Only the header: the server must not wait for 16 MiB to arrive.
                try await connection.sendBytes([0x01, 0, 0, 0, 0x10, 0, 0, 0, 0, 9])
                try await connection.expectError(.frameTooLarge, id: 0)
                let afterClose = try await connection.receive()
                XCTAssertNil(afterClose, "the server closes after FRAME_TOO_LARGE")
            }
        }
    }

    func testALengthBelowTheHeaderClosesTheConnection() async throws {
        try await withSalesServer { harness in
            try await withRawConnection(port: harness.port) { connection in
                try await connection.hello()
                try await connection.sendBytes([0, 0, 0, 2, 0x03, 0])
                try await connection.expectError(.badFrame, id: 0)
                let afterClose = try await connection.receive()
                XCTAssertNil(afterClose)
            }
        }
    }

    func testARequestBeforeHelloIsRefusedAndClosed() async throws {
        try await withSalesServer { harness in
            try await withRawConnection(port: harness.port) { connection in
                try await connection.send(.stockGet(sku: "X"), id: 11)
                try await connection.expectError(.helloRequired, id: 11)
                let afterClose = try await connection.receive()
                XCTAssertNil(afterClose)
            }
        }
    }

    /// Before HELLO_OK nothing is agreed: a malformed HELLO is answered BAD_FRAME with its id, and closes.
    func testAMalformedHelloClosesTheConnection() async throws {
        try await withSalesServer { harness in
            try await withRawConnection(port: harness.port) { connection in
                // HELLO (0x01), id 4, payload: minVersion only.
                try await connection.sendBytes([0x00, 0x00, 0x00, 0x08, 0x01, 0x00, 0x00, 0x00, 0x00, 0x04, 0x00, 0x01])
                try await connection.expectError(.badFrame, id: 4)
                let afterClose = try await connection.receive()
                XCTAssertNil(afterClose)
            }
        }
    }

    func testRequestIDZeroIsBadFrameOnIDZeroAndCloses() async throws {
        try await withSalesServer { harness in
            try await withRawConnection(port: harness.port) { connection in
                try await connection.hello()
                try await connection.send(.ping(ByteBuffer()), id: 0)
                let message = try await connection.expectError(.badFrame, id: 0)
                XCTAssertTrue(message?.contains("request id 0") == true, message ?? "")
                let afterClose = try await connection.receive()
                XCTAssertNil(afterClose)
            }
        }
    }

    func testASecondHelloIsRefusedAndClosed() async throws {
        try await withSalesServer { harness in
            try await withRawConnection(port: harness.port) { connection in
                try await connection.hello()
                try await connection.send(.hello(Hello(minVersion: 1, maxVersion: 1, clientName: "again")), id: 2)
                try await connection.expectError(.helloRequired, id: 2)
                let afterClose = try await connection.receive()
                XCTAssertNil(afterClose)
            }
        }
    }

    func testAnUnsupportedVersionIsRefusedAndClosed() async throws {
        try await withSalesServer { harness in
            try await withRawConnection(port: harness.port) { connection in
                try await connection.send(.hello(Hello(minVersion: 3, maxVersion: 9, clientName: "future")), id: 1)
                let message = try await connection.expectError(.unsupportedVersion, id: 1)
                XCTAssertEqual(message?.contains("3-9"), true)
                let afterClose = try await connection.receive()
                XCTAssertNil(afterClose)
            }
        }
    }

    func testTheNewestCommonVersionIsChosen() async throws {
        try await withSalesServer { harness in
            try await withRawConnection(port: harness.port) { connection in
                try await connection.send(.hello(Hello(minVersion: 0, maxVersion: 7, clientName: "wide")), id: 1)
                guard case .helloOK(let accepted) = try await connection.receive()?.response else {
                    return XCTFail("expected HELLO_OK")
                }
                XCTAssertEqual(accepted.version, 2)
                XCTAssertEqual(accepted.maxFrameLength, 65_536)
                XCTAssertEqual(accepted.maxInFlight, 1_024, "version 2 announces the in-flight limit")
            }
        }
    }

    func testBadArgumentsAreTypedAndChangeNothing() async throws {
        try await withSalesServer { harness in
            let client = try await harness.client()
            _ = try await client.setStock(sku: "SKU-1", stock: 5)
            try await withRawConnection(port: harness.port) { connection in
                try await connection.hello()
                let cases: [(Request, ErrorCode)] = [
                    (.purchase(Purchase(sku: "SKU-1", quantity: 0, purchaseID: "q0", customer: "")), .invalidArgument),
                    (.purchase(Purchase(sku: "SKU-1", quantity: 1_000_000, purchaseID: "qbig", customer: "")), .invalidArgument),
                    (.purchase(Purchase(sku: "has space", quantity: 1, purchaseID: "s", customer: "")), .invalidArgument),
                    (.purchase(Purchase(sku: "", quantity: 1, purchaseID: "s2", customer: "")), .invalidArgument),
                    (.purchase(Purchase(sku: "SKU-1", quantity: 1, purchaseID: "", customer: "")), .invalidArgument),
                    (.purchase(Purchase(sku: "NOPE-1", quantity: 1, purchaseID: "u", customer: "")), .unknownSKU),
                    (.stockGet(sku: "NOPE-1"), .unknownSKU),
                    (.stockSet(StockSet(sku: "SKU-1", stock: -4, reorderPoint: nil, reorderQuantity: nil)), .invalidArgument),
                    (.stockSet(StockSet(sku: "SKU-1", stock: 4, reorderPoint: nil, reorderQuantity: 0)), .invalidArgument),
                    (.stockSet(StockSet(sku: "SKU-1", stock: Int64.max, reorderPoint: nil, reorderQuantity: nil)), .invalidArgument),
                    (.stockSet(StockSet(sku: "SKU-1", stock: 1_000_000_000_000_001, reorderPoint: nil, reorderQuantity: nil)), .invalidArgument),
                    (.stockSet(StockSet(sku: "SKU-1", stock: 4, reorderPoint: 1_000_000_000_000_001, reorderQuantity: nil)), .invalidArgument),
                    (.stockSet(StockSet(sku: "SKU-1", stock: 4, reorderPoint: nil, reorderQuantity: 1_000_001)), .invalidArgument),
                ]
                for (index, (request, code)) in cases.enumerated() {
                    try await connection.send(request, id: UInt32(100 + index))
                    try await connection.expectError(code, id: UInt32(100 + index))
                }
            }
            let stockAfter = try await harness.stock(of: "SKU-1")
            XCTAssertEqual(stockAfter, 5)
            let info = try await client.stock(of: "SKU-1")
            XCTAssertEqual(info.reorderQuantity, 100)
            await client.close()
        }
    }

    /// Garbage from one client must not disturb another client's sales.
    func testOtherClientsAreUnaffectedByAMisbehavingOne() async throws {
        try await withSalesServer(configure: { $0.maxFrameLength = 4096 }) { harness in
            let client = try await harness.client()
            _ = try await client.setStock(sku: "SKU-1", stock: 3)
            _ = try await client.purchase(sku: "SKU-1", purchaseID: "before")
            try await withRawConnection(port: harness.port) { connection in
                try await connection.sendBytes(Array(repeating: 0xFF, count: 64))
                try await connection.expectError(.frameTooLarge, id: 0)
                let afterClose = try await connection.receive()
                XCTAssertNil(afterClose)
            }
            try await withRawConnection(port: harness.port) { connection in
                try await connection.sendBytes([0, 0, 0, 6, 0x10, 0, 0, 0, 0, 1])
                try await connection.expectError(.helloRequired, id: 1)
            }
            let after = try await client.purchase(sku: "SKU-1", purchaseID: "after")
            XCTAssertEqual(after, PurchaseResult(outcome: .sold, isReplay: false, stock: 1))
            await client.close()
        }
    }

    func testTooManyRequestsInFlightAreOverloaded() async throws {
        try await withSalesServer(configure: { $0.maxInFlightPerConnection = 1 }) { harness in
            let admin = try await harness.client()
            _ = try await admin.setStock(sku: "SKU-1", stock: 10)
            try await withRawConnection(port: harness.port) { connection in
                try await connection.hello()
                // Both frames in one write: the second arrives while the first waits for Redis.
                var bytes = ByteBuffer()
                RequestEnvelope(requestID: 2, request: .purchase(Purchase(sku: "SKU-1", quantity: 1, purchaseID: "a", customer: ""))).encode(into: &bytes)
                RequestEnvelope(requestID: 3, request: .purchase(Purchase(sku: "SKU-1", quantity: 1, purchaseID: "b", customer: ""))).encode(into: &bytes)
                try await connection.sendBytes(Array(bytes.readableBytesView))
                var answers: [UInt32: Response] = [:]
                for _ in 0..<2 {
                    let answer = try await connection.receive()
                    answers[answer!.requestID] = answer!.response
                }
                XCTAssertEqual(answers[2], .purchaseResult(PurchaseResult(outcome: .sold, isReplay: false, stock: 9)))
                guard case .error(let error) = answers[3] else { return XCTFail("expected OVERLOADED, got \(String(describing: answers[3]))") }
                XCTAssertEqual(error.code, .overloaded)
            }
            let stockAfter = try await harness.stock(of: "SKU-1")
            XCTAssertEqual(stockAfter, 9, "the refused purchase sold nothing")
            await admin.close()
        }
    }
}
