// TLSContextTests: building contexts from good and bad certificate, key and trust files.

import TestSupport
import StockroomTLS
import XCTest

final class TLSContextTests: XCTestCase {
    func testServerAndClientContextsLoad() throws {
        try withTestCertificates { certs in
            let server = try TLSContext(
                configuration: .server(certificateChainFile: certs.serverCertificate, privateKeyFile: certs.serverKey),
                role: .server
            )
            XCTAssertEqual(server.role, .server)
            XCTAssertFalse(server.configuration.verifyPeer)
            let client = try TLSContext(configuration: .client(trustRootsFile: certs.caCertificate), role: .client)
            XCTAssertEqual(client.role, .client)
            XCTAssertTrue(client.configuration.verifyPeer)
        }
    }

    func testKeyNotMatchingCertificateIsAConfigurationError() throws {
        try withTestCertificates { certs in
            let configuration = TLSConfiguration.server(
                certificateChainFile: certs.serverCertificate,
                privateKeyFile: certs.clientKey
            )
            let error = try XCTUnwrap(Self.contextError(configuration, .server))
            XCTAssertEqual(error.code, .configuration)
            XCTAssertTrue(error.message.contains("key values mismatch"), error.message)
        }
    }

    func testMissingKeyFileNamesThePath() throws {
        try withTestCertificates { certs in
            let missing = certs.directory.appendingPathComponent("absent.key").path
            let configuration = TLSConfiguration.server(
                certificateChainFile: certs.serverCertificate,
                privateKeyFile: missing
            )
            let error = try XCTUnwrap(Self.contextError(configuration, .server))
            XCTAssertEqual(error.code, .configuration)
            XCTAssertTrue(error.message.contains(missing), error.message)
            XCTAssertTrue(error.message.contains("No such file or directory"), error.message)
        }
    }

    func testGarbageKeyFileIsAConfigurationError() throws {
        try withTestCertificates { certs in
            let garbage = certs.directory.appendingPathComponent("garbage.key").path
            try "-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----\n"
                .write(toFile: garbage, atomically: true, encoding: .utf8)
            let configuration = TLSConfiguration.server(
                certificateChainFile: certs.serverCertificate,
                privateKeyFile: garbage
            )
            let error = try XCTUnwrap(Self.contextError(configuration, .server))
            XCTAssertEqual(error.code, .configuration)
            XCTAssertTrue(error.message.contains("cannot load private key"), error.message)
        }
    }

    func testMissingTrustRootsFileIsAConfigurationError() throws {
        let error = try XCTUnwrap(Self.contextError(.client(trustRootsFile: "/nonexistent/ca.pem"), .client))
        XCTAssertEqual(error.code, .configuration)
        XCTAssertTrue(error.message.contains("/nonexistent/ca.pem"), error.message)
    }

    func testServerWithoutCertificateIsAConfigurationError() throws {
        let error = try XCTUnwrap(Self.contextError(TLSConfiguration(verifyPeer: false), .server))
        XCTAssertEqual(error.code, .configuration)
    }

    func testMaximumBelowMinimumIsAConfigurationError() throws {
        var configuration = TLSConfiguration.client()
        configuration.minimumVersion = .tls13
        configuration.maximumVersion = .tls12
        let error = try XCTUnwrap(Self.contextError(configuration, .client))
        XCTAssertEqual(error.code, .configuration)
    }

    func testSystemTrustRootsLoadWhenNoFileIsGiven() throws {
        let context = try TLSContext(configuration: .client(), role: .client)
        XCTAssertNil(context.configuration.trustRootsFile)
    }

    private static func contextError(_ configuration: TLSConfiguration, _ role: TLSRole) -> TLSError? {
        do {
            _ = try TLSContext(configuration: configuration, role: role)
            return nil
        } catch {
            return error
        }
    }
}
