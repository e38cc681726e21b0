import NIOCore
import StockroomClient
import StockroomServer
import StockroomWire
import XCTest

final class AuthenticationTests: XCTestCase {
    private func withTokens<T>(_ body: (ServerHarness) async throws -> T, function: String = #function) async throws -> T {
        try await withSalesServer(
            configure: { $0.credentials = Credentials(salesToken: "sales-secret", adminToken: "admin-secret") },
            body,
            function: function
        )
    }

    func testRequestsWithoutAuthAreUnauthenticatedButPingWorks() async throws {
        try await withTokens { harness in
            try await withRawConnection(port: harness.port) { connection in
                let hello = try await connection.hello()
                XCTAssertTrue(hello.authenticationRequired)
                try await connection.send(.stockGet(sku: "SKU-1"), id: 2)
                try await connection.expectError(.unauthenticated, id: 2)
                try await connection.send(.purchase(Purchase(sku: "SKU-1", quantity: 1, purchaseID: "p", customer: "")), id: 3)
                try await connection.expectError(.unauthenticated, id: 3)
                try await connection.send(.ping(ByteBuffer()), id: 4)
                let pong = try await connection.receive()?.response
                XCTAssertEqual(pong, .pong(ByteBuffer()))
            }
        }
    }

    func testAWrongTokenIsUnauthenticatedAndTheConnectionMayRetry() async throws {
        try await withTokens { harness in
            try await withRawConnection(port: harness.port) { connection in
                try await connection.hello()
                try await connection.send(.auth(token: "guess"), id: 2)
                try await connection.expectError(.unauthenticated, id: 2)
                try await connection.send(.auth(token: "sales-secre"), id: 3)
                try await connection.expectError(.unauthenticated, id: 3)
                try await connection.send(.auth(token: "sales-secret"), id: 4)
                let granted = try await connection.receive()
                XCTAssertEqual(granted, ResponseEnvelope(requestID: 4, response: .authOK(.sales)))
            }
        }
    }

    func testTheSalesRoleMayBuyButNotSetStock() async throws {
        try await withTokens { harness in
            let admin = try await harness.client { $0.token = "admin-secret" }
            _ = try await admin.setStock(sku: "SKU-1", stock: 4)
            let seller = try await harness.client { $0.token = "sales-secret" }
            let sold = try await seller.purchase(sku: "SKU-1", purchaseID: "p1")
            XCTAssertEqual(sold.stock, 3)
            do {
                _ = try await seller.setStock(sku: "SKU-1", stock: 1000)
                XCTFail("the sales role must not set stock")
            } catch let error as StockroomClientError {
                XCTAssertEqual(error.serverCode, .forbidden)
            }
            do {
                _ = try await seller.adjustStock(sku: "SKU-1", by: 1000)
                XCTFail("the sales role must not adjust stock")
            } catch let error as StockroomClientError {
                XCTAssertEqual(error.serverCode, .forbidden)
            }
            let stockAfter = try await harness.stock(of: "SKU-1")
            XCTAssertEqual(stockAfter, 3)
            let adjusted = try await admin.adjustStock(sku: "SKU-1", by: -2)
            XCTAssertEqual(adjusted.stock, 1, "the admin role may")
            await admin.close()
            await seller.close()
        }
    }

    func testAClientWithoutATokenGetsUnauthenticatedFromTheServer() async throws {
        try await withTokens { harness in
            let anonymous = try await harness.client()
            XCTAssertTrue(anonymous.serverHello.authenticationRequired)
            do {
                _ = try await anonymous.stock(of: "SKU-1")
                XCTFail("an unauthenticated read must fail")
            } catch let error as StockroomClientError {
                XCTAssertEqual(error.serverCode, .unauthenticated)
            }
            await anonymous.close()
        }
    }

    func testAClientWithAWrongTokenFailsToConnect() async throws {
        try await withTokens { harness in
            do {
                _ = try await harness.client { $0.token = "wrong" }
                XCTFail("a wrong token must fail the connection")
            } catch let error as StockroomClientError {
                XCTAssertEqual(error.serverCode, .unauthenticated)
            }
        }
    }
}
