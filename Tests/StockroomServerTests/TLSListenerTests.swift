import Foundation
import NIOCore
import NIOPosix
import StockroomClient
import StockroomServer
import StockroomTLS
import TestSupport
import XCTest

/// The TLS listener against real OpenSSL peers (`openssl s_client`) and our own client: versions and
/// ciphers, mutual TLS, broken handshakes, side by side with the plaintext listener, and reloads.
final class TLSListenerTests: XCTestCase {
    private func serverTLS(_ certificates: TestCertificates, clientCA: String? = nil) -> TLSConfiguration {
        var tls = TLSConfiguration.server(certificateChainFile: certificates.serverCertificate, privateKeyFile: certificates.serverKey)
        if let clientCA {
            tls.trustRootsFile = clientCA
            tls.verifyPeer = true
        }
        return tls
    }

    private func tlsPort(_ harness: ServerHarness) throws -> Int {
        try XCTUnwrap(harness.server.tlsAddress?.port)
    }

    /// `openssl s_client` against the TLS listener: its exit status and everything it printed. It
    /// sends nothing (stdin is closed), so a successful handshake ends with a clean exit.
    private func sClient(port: Int, certificates: TestCertificates, _ arguments: [String]) throws -> (status: Int32?, output: String) {
        let client = try ChildProcess.openssl(
            ["s_client", "-connect", "127.0.0.1:\(port)", "-CAfile", certificates.caCertificate, "-verify_return_error",
             "-servername", "localhost"] + arguments
        )
        defer { client.kill() }
        client.closeInput()
        let status = client.waitForExit(timeout: 20)
        return (status, client.outputText)
    }

    func testPlaintextAndTLSListenersServeSideBySide() async throws {
        try await withTestCertificates { certificates in
            try await withSalesServer(configure: {
                $0.tlsListen = Endpoint(host: "127.0.0.1", port: 0)
                $0.tls = self.serverTLS(certificates)
            }) { harness in
                let plain = try await harness.client()
                _ = try await plain.setStock(sku: "BOTH-1", stock: 2)
                let secure = try await harness.client {
                    $0.port = try! self.tlsPort(harness)
                    $0.tls = .client(trustRootsFile: certificates.caCertificate)
                    $0.tlsServerName = "localhost"
                }
                let sold = try await secure.purchase(sku: "BOTH-1", purchaseID: "tls-side")
                XCTAssertEqual(sold.stock, 1)
                await plain.close()
                await secure.close()
            }
        }
    }

    /// TLS 1.3 and 1.2 with a forward-secret AEAD suite succeed; TLS 1.1, and TLS 1.2 suites without
    /// forward secrecy, are refused by the server even when the client is willing.
    func testVersionsAndCipherSuites() async throws {
        try await withTestCertificates { certificates in
            try await withSalesServer(configure: { $0.serveTLSOnly(on: Endpoint(host: "127.0.0.1", port: 0), self.serverTLS(certificates)) }) { harness in
                let port = try self.tlsPort(harness)
                let tls13 = try self.sClient(port: port, certificates: certificates, ["-tls1_3"])
                XCTAssertTrue(tls13.output.contains("TLSv1.3"), tls13.output)
                XCTAssertEqual(tls13.status, 0, tls13.output)

                let tls12 = try self.sClient(port: port, certificates: certificates, ["-tls1_2"])
                XCTAssertTrue(tls12.output.contains("ECDHE-ECDSA-AES"), tls12.output)
                XCTAssertEqual(tls12.status, 0, tls12.output)

                // SECLEVEL=0 makes this client willing to speak TLS 1.1: the refusal is the server's.
                let tls11 = try self.sClient(port: port, certificates: certificates, ["-tls1_1", "-cipher", "DEFAULT@SECLEVEL=0"])
                XCTAssertNotEqual(tls11.status, 0, tls11.output)
                XCTAssertTrue(tls11.output.contains("alert protocol version"), "the server refused the version: \(tls11.output)")

                // The test certificate is EC, so RSA key exchange cannot happen anyway; ECDHE-ECDSA-AES128-SHA
                // (CBC) is the one OpenSSL's default list would accept and ours does not.
                for suite in ["AES128-SHA", "AES256-SHA256", "ECDHE-ECDSA-AES128-SHA"] {
                    let refused = try self.sClient(port: port, certificates: certificates, ["-tls1_2", "-cipher", suite])
                    XCTAssertNotEqual(refused.status, 0, "\(suite): \(refused.output)")
                }
            }
        }
    }

    func testMutualTLSRefusesAClientWithoutACertificate() async throws {
        try await withTestCertificates { certificates in
            try await withSalesServer(configure: {
                $0.serveTLSOnly(on: Endpoint(host: "127.0.0.1", port: 0), self.serverTLS(certificates, clientCA: certificates.caCertificate))
            }) { harness in
                let port = try self.tlsPort(harness)
                do {
                    let anonymous = try await harness.client {
                        $0.port = port
                        $0.tls = .client(trustRootsFile: certificates.caCertificate)
                        $0.tlsServerName = "localhost"
                        $0.requestTimeout = .seconds(5)
                    }
                    try await anonymous.ping()
                    await anonymous.close()
                    XCTFail("a client without a certificate must be refused")
                } catch is StockroomClientError {
                    // Refused during or right after the handshake.
                }
                var withCertificate = TLSConfiguration.client(trustRootsFile: certificates.caCertificate)
                withCertificate.certificateChainFile = certificates.clientCertificate
                withCertificate.privateKeyFile = certificates.clientKey
                let client = try await harness.client {
                    $0.port = port
                    $0.tls = withCertificate
                    $0.tlsServerName = "localhost"
                }
                try await client.ping()
                await client.close()
            }
        }
    }

    /// A ClientHello cut short and a client that never finishes its handshake are both dropped (the
    /// latter at the handshake timeout), and the server serves others meanwhile.
    func testTruncatedAndStalledHandshakesAreDropped() async throws {
        try await withTestCertificates { certificates in
            var tls = self.serverTLS(certificates)
            tls.handshakeTimeout = .milliseconds(500)
            try await withSalesServer(configure: { $0.serveTLSOnly(on: Endpoint(host: "127.0.0.1", port: 0), tls) }) { harness in
                let port = try self.tlsPort(harness)
                // The first 5 bytes of a TLS record header, then the sender goes quiet: stalled.
                let stalled = try await RawTCP.connect(port: port)
                try await stalled.send([0x16, 0x03, 0x01, 0x02, 0x00])
                // A handshake record header and a few bytes of ClientHello, then close: truncated.
                let truncated = try await RawTCP.connect(port: port)
                try await truncated.send([0x16, 0x03, 0x01, 0x00, 0x40, 0x01, 0x00, 0x00, 0x3c, 0x03, 0x03])
                try await truncated.close()

                let client = try await harness.client {
                    $0.port = port
                    $0.tls = .client(trustRootsFile: certificates.caCertificate)
                    $0.tlsServerName = "localhost"
                }
                try await client.ping()
                await client.close()
                let closedByServer = try await stalled.readUntilClosed(within: .seconds(10))
                XCTAssertTrue(closedByServer, "the stalled handshake was dropped at its timeout")
            }
        }
    }

    /// SIGHUP's reload: files that cannot be used leave the old certificate in force; usable ones are
    /// taken by new connections while open ones go on.
    func testReloadingTheCertificateKeepsConnectionsAndRefusesBrokenFiles() async throws {
        try await withTestCertificates { certificates in
            let directory = certificates.directory.appendingPathComponent("reload")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            let certificate = directory.appendingPathComponent("server.pem").path
            let key = directory.appendingPathComponent("server.key").path
            try FileManager.default.copyItem(atPath: certificates.serverCertificate, toPath: certificate)
            try FileManager.default.copyItem(atPath: certificates.serverKey, toPath: key)
            try await withSalesServer(configure: {
                $0.serveTLSOnly(on: Endpoint(host: "127.0.0.1", port: 0), .server(certificateChainFile: certificate, privateKeyFile: key))
            }) { harness in
                let port = try self.tlsPort(harness)
                func connect() async throws -> StockroomClient {
                    try await harness.client {
                        $0.port = port
                        $0.tls = .client(trustRootsFile: certificates.caCertificate)
                        $0.tlsServerName = "localhost"
                    }
                }
                let open = try await connect()
                try "not a key".write(toFile: key, atomically: true, encoding: .utf8)
                XCTAssertThrowsError(try harness.server.reloadTLS())
                try await open.ping()
                let during = try await connect()
                try await during.ping()

                try FileManager.default.removeItem(atPath: key)
                try FileManager.default.copyItem(atPath: certificates.serverKey, toPath: key)
                XCTAssertNoThrow(try harness.server.reloadTLS())
                let after = try await connect()
                try await after.ping()
                try await open.ping()
                for client in [open, during, after] { await client.close() }
            }
        }
    }
}

/// A bare TCP connection for handshake abuse: send bytes, close, or see the server close.
private struct RawTCP {
    let channel: any Channel
    let closed: EventLoopFuture<Void>

    static func connect(port: Int) async throws -> RawTCP {
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(host: "127.0.0.1", port: port).get()
        return RawTCP(channel: channel, closed: channel.closeFuture)
    }

    func send(_ bytes: [UInt8]) async throws {
        try await channel.writeAndFlush(ByteBuffer(bytes: bytes)).get()
    }

    func close() async throws {
        try await channel.close().get()
    }

    /// Whether the server closed the connection within `limit`.
    func readUntilClosed(within limit: Duration) async throws -> Bool {
        do {
            try await withTimeout(limit) { try await closed.get() }
            return true
        } catch {
            try? await channel.close().get()
            return false
        }
    }
}
