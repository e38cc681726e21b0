import StockroomClient
import StockroomServer
import StockroomTLS
import TestSupport
import XCTest

/// The sales path over TLS: the server's OpenSSL handler in front of the protocol, the client's too.
final class TLSServerTests: XCTestCase {
    func testASaleOverTLS() async throws {
        try await withTestCertificates { certificates in try await withSalesServer(configure: {
            $0.serveTLSOnly(on: Endpoint(host: "127.0.0.1", port: 0), .server(certificateChainFile: certificates.serverCertificate, privateKeyFile: certificates.serverKey))
        }) { harness in
            let client = try await harness.client {
                $0.tls = .client(trustRootsFile: certificates.caCertificate)
                $0.tlsServerName = "localhost"
            }
            _ = try await client.setStock(sku: "SKU-1", stock: 1)
            let sold = try await client.purchase(sku: "SKU-1", purchaseID: "tls-1")
            XCTAssertEqual(sold, PurchaseResult(outcome: .sold, isReplay: false, stock: 0))
            await client.close()
        } }
    }

    func testAClientThatDoesNotTrustTheServerCannotConnect() async throws {
        try await withTestCertificates { certificates in try await withSalesServer(configure: {
            $0.serveTLSOnly(on: Endpoint(host: "127.0.0.1", port: 0), .server(certificateChainFile: certificates.serverCertificate, privateKeyFile: certificates.serverKey))
        }) { harness in
            do {
                _ = try await harness.client {
                    $0.tls = .client(trustRootsFile: certificates.otherCACertificate)
                    $0.tlsServerName = "localhost"
                    $0.requestTimeout = .seconds(5)
                }
                XCTFail("an untrusted certificate must fail the connection")
            } catch let error as StockroomClientError {
                XCTAssertTrue(error.message.contains("certificate verify failed"), error.message)
            }
        } }
    }

    func testAPlaintextClientGetsNoAnswerFromATLSServer() async throws {
        try await withTestCertificates { certificates in try await withSalesServer(configure: {
            $0.serveTLSOnly(on: Endpoint(host: "127.0.0.1", port: 0), .server(certificateChainFile: certificates.serverCertificate, privateKeyFile: certificates.serverKey))
        }) { harness in
            do {
                _ = try await harness.client { $0.requestTimeout = .seconds(2) }
                XCTFail("HELLO in plaintext is not TLS: the server must not answer it")
            } catch let error as StockroomClientError {
                XCTAssertTrue([.connectionClosed, .timeout].contains(error.code), "\(error)")
            }
        } }
    }
}
