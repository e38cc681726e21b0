// OpenSSLPeerTests: OpenSSLHandler over loopback TCP against the real `openssl s_client` and `openssl s_server`.

import TestSupport
import Foundation
import NIOCore
import NIOPosix
import StockroomTLS
import XCTest

final class OpenSSLPeerTests: XCTestCase {
    private var group: MultiThreadedEventLoopGroup!

    override func setUp() {
        super.setUp()
        self.group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    }

    override func tearDown() {
        try? self.group.syncShutdownGracefully()
        self.group = nil
        super.tearDown()
    }

    // MARK: Our server, openssl s_client

    func testServerHandlerEchoesToOpenSSLClientOverTLS13() throws {
        try self.runServerAgainstOpenSSLClient(extraClientArguments: [], expectedVersion: "TLSv1.3")
    }

    func testServerHandlerEchoesToOpenSSLClientOverTLS12() throws {
        try self.runServerAgainstOpenSSLClient(extraClientArguments: ["-tls1_2"], expectedVersion: "TLSv1.2")
    }

    private func runServerAgainstOpenSSLClient(extraClientArguments: [String], expectedVersion: String) throws {
        try withTestCertificates { certs in
            let tls = try TLSContext(
                configuration: .server(certificateChainFile: certs.serverCertificate, privateKeyFile: certs.serverKey),
                role: .server
            )
            let handshake = self.group.next().makePromise(of: TLSHandshakeCompletedEvent.self)
            let listener = try ServerBootstrap(group: self.group)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .childChannelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandlers([
                            OpenSSLHandler.server(context: tls),
                            TLSOutcomeObserver(handshake: handshake),
                            EchoLineThenCloseHandler(),
                        ])
                    }
                }
                .bind(host: "127.0.0.1", port: 0)
                .wait()
            defer { try? listener.close().wait() }
            let port = try XCTUnwrap(listener.localAddress?.port)

            let client = try ChildProcess.openssl(
                [
                    "s_client", "-connect", "127.0.0.1:\(port)", "-CAfile", certs.caCertificate,
                    "-verify_return_error", "-verify_hostname", "localhost", "-quiet",
                ] + extraClientArguments
            )
            defer { client.kill() }
            client.send("hello stockroom\n")

            let event = try waitBounded(handshake.futureResult, "the server handshake")
            XCTAssertEqual(event.protocolVersion, expectedVersion)
            let output = client.waitForOutput(containing: "hello stockroom", timeout: 15)
            XCTAssertNotNil(output, "s_client never printed the echo: \(client.outputText)")
            // Our close_notify ends s_client's session cleanly, so it exits by itself.
            XCTAssertEqual(client.waitForExit(timeout: 15), 0, client.outputText)
        }
    }

    // MARK: Our client, openssl s_server

    func testClientHandlerTalksToOpenSSLServerOverTLS13() throws {
        try self.runClientAgainstOpenSSLServer(extraServerArguments: [], expectedVersion: "TLSv1.3")
    }

    func testClientHandlerTalksToOpenSSLServerOverTLS12() throws {
        try self.runClientAgainstOpenSSLServer(extraServerArguments: ["-tls1_2"], expectedVersion: "TLSv1.2")
    }

    private func runClientAgainstOpenSSLServer(extraServerArguments: [String], expectedVersion: String) throws {
        try withTestCertificates { certs in
            let server = try Self.startOpenSSLServer(certs, extraArguments: extraServerArguments)
            defer { server.process.kill() }

            let client = try self.connectClient(trusting: certs.caCertificate, port: server.port, collectingFirstLine: true)
            let (channel, handshake, line) = (client.channel, client.handshake, client.firstLine!)
            defer { try? channel.close().wait() }

            // Written before the handshake can have finished: it must wait for it, not be lost.
            channel.writeAndFlush(ByteBuffer(string: "stockroom\n"), promise: nil)
            let event = try waitBounded(handshake.futureResult, "the client handshake")
            XCTAssertEqual(event.protocolVersion, expectedVersion)
            // s_server -rev answers each line reversed.
            XCTAssertEqual(try waitBounded(line.futureResult, "the reversed line"), "moorkcots")

            try waitBounded(channel.close(), "close")
            // -naccept 1: s_server exits once the connection it served has ended.
            XCTAssertEqual(server.process.waitForExit(timeout: 15), 0, server.process.outputText)
            XCTAssertTrue(server.process.outputText.contains("CONNECTION CLOSED"), server.process.outputText)
        }
    }

    func testClientReportsUnexpectedEOFWhenTheServerDiesWithoutCloseNotify() throws {
        try withTestCertificates { certs in
            let server = try Self.startOpenSSLServer(certs, extraArguments: [])
            defer { server.process.kill() }

            let client = try self.connectClient(trusting: certs.caCertificate, port: server.port, observingErrors: true)
            let (channel, handshake, firstError) = (client.channel, client.handshake, client.firstError!)
            defer { try? channel.close().wait() }

            _ = try waitBounded(handshake.futureResult, "the client handshake")
            server.process.kill()
            let error = try waitBounded(firstError.futureResult, "the EOF error")
            XCTAssertEqual(error.code, .unexpectedEOF)
            try waitBounded(channel.closeFuture, "the channel to close")
        }
    }

    func testClientRejectsOpenSSLServerWithUntrustedCertificate() throws {
        try withTestCertificates { certs in
            let server = try Self.startOpenSSLServer(certs, extraArguments: [])
            defer { server.process.kill() }

            let client = try self.connectClient(trusting: certs.otherCACertificate, port: server.port, observingErrors: true)
            let (channel, firstError) = (client.channel, client.firstError!)
            defer { try? channel.close().wait() }

            let error = try waitBounded(firstError.futureResult, "the handshake error")
            XCTAssertEqual(error.code, .handshakeFailed)
            XCTAssertTrue(error.message.contains("certificate verify failed"), error.message)
            try waitBounded(channel.closeFuture, "the channel to close")
            XCTAssertNotNil(server.process.waitForOutput(containing: "alert", timeout: 15), server.process.outputText)
        }
    }

    /// Starts `openssl s_server -rev` on an ephemeral loopback port and reads the port from its ACCEPT line.
    private static func startOpenSSLServer(
        _ certs: TestCertificates,
        extraArguments: [String]
    ) throws -> (process: ChildProcess, port: Int) {
        let process = try ChildProcess.openssl(
            [
                "s_server", "-accept", "127.0.0.1:0", "-cert", certs.serverCertificate, "-key", certs.serverKey,
                "-rev", "-naccept", "1",
            ] + extraArguments
        )
        let pattern = /ACCEPT 127\.0\.0\.1:(\d+)\n/
        guard let output = process.waitForOutput(timeout: 15, until: { $0.contains(pattern) }),
            let match = output.firstMatch(of: pattern),
            let port = Int(match.1)
        else {
            process.kill()
            throw TestSupportError("s_server did not report its port: \(process.outputText)")
        }
        return (process, port)
    }
}

extension OpenSSLPeerTests {
    /// Our client handler, connected to `port` and trusting `caFile`, with promises for its handshake,
    /// its first TLS error and (optionally) the first line of plaintext it receives.
    struct ObservedClient {
        var channel: any Channel
        var handshake: EventLoopPromise<TLSHandshakeCompletedEvent>
        var firstError: EventLoopPromise<TLSError>?
        var firstLine: EventLoopPromise<String>?
    }

    /// Promises a test does not ask for are not made: an unfulfilled promise is a leak to NIO.
    func connectClient(
        trusting caFile: String,
        port: Int,
        observingErrors: Bool = false,
        collectingFirstLine: Bool = false
    ) throws -> ObservedClient {
        let tls = try TLSContext(configuration: .client(trustRootsFile: caFile), role: .client)
        let loop = self.group.next()
        let handshake = loop.makePromise(of: TLSHandshakeCompletedEvent.self)
        let firstError = observingErrors ? loop.makePromise(of: TLSError.self) : nil
        let firstLine = collectingFirstLine ? loop.makePromise(of: String.self) : nil
        let channel = try ClientBootstrap(group: loop)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let sync = channel.pipeline.syncOperations
                    try sync.addHandler(OpenSSLHandler.client(context: tls, serverHostname: "localhost"))
                    try sync.addHandler(TLSOutcomeObserver(handshake: handshake, firstError: firstError))
                    if let firstLine { try sync.addHandler(FirstLineCollector(line: firstLine)) }
                }
            }
            .connect(host: "127.0.0.1", port: port)
            .wait()
        return ObservedClient(channel: channel, handshake: handshake, firstError: firstError, firstLine: firstLine)
    }
}
