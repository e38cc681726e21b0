// InMemoryTLSTests: client and server OpenSSLHandlers talking through EmbeddedChannels, no sockets.

import TestSupport
import NIOCore
import NIOEmbedded
import StockroomTLS
import XCTest

final class InMemoryTLSTests: XCTestCase {
    // MARK: Fixtures

    private func contexts(
        _ certs: TestCertificates,
        client: (inout TLSConfiguration) -> Void = { _ in },
        server: (inout TLSConfiguration) -> Void = { _ in }
    ) throws -> (client: TLSContext, server: TLSContext) {
        var clientConfiguration = TLSConfiguration.client(trustRootsFile: certs.caCertificate)
        client(&clientConfiguration)
        var serverConfiguration = TLSConfiguration.server(
            certificateChainFile: certs.serverCertificate,
            privateKeyFile: certs.serverKey
        )
        server(&serverConfiguration)
        return (
            try TLSContext(configuration: clientConfiguration, role: .client),
            try TLSContext(configuration: serverConfiguration, role: .server)
        )
    }

    private func connectedPair(
        _ certs: TestCertificates,
        serverHostname: String? = "localhost",
        client: (inout TLSConfiguration) -> Void = { _ in },
        server: (inout TLSConfiguration) -> Void = { _ in }
    ) throws -> InMemoryTLSPair {
        let contexts = try self.contexts(certs, client: client, server: server)
        let pair = try InMemoryTLSPair(
            clientContext: contexts.client,
            serverContext: contexts.server,
            serverHostname: serverHostname
        )
        try pair.connectAndPump()
        return pair
    }

    private func assertEstablished(_ pair: InMemoryTLSPair, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertNotNil(pair.clientRecorder.handshake, "client handshake", file: file, line: line)
        XCTAssertNotNil(pair.serverRecorder.handshake, "server handshake", file: file, line: line)
        XCTAssertEqual(pair.clientRecorder.errors.map(\.description), [], file: file, line: line)
        XCTAssertEqual(pair.serverRecorder.errors.map(\.description), [], file: file, line: line)
        XCTAssertTrue(pair.client.isActive, file: file, line: line)
        XCTAssertTrue(pair.server.isActive, file: file, line: line)
    }

    private static func randomBytes(_ count: Int) -> ByteBuffer {
        var generator = SystemRandomNumberGenerator()
        var buffer = ByteBuffer()
        buffer.reserveCapacity(count)
        for _ in 0..<(count / 8) {
            buffer.writeInteger(generator.next() as UInt64)
        }
        return buffer
    }

    // MARK: Handshake

    func testHandshakeCompletesOnBothSidesWithTLS13() throws {
        try withTestCertificates { certs in
            let pair = try self.connectedPair(certs)
            defer { pair.finish() }
            self.assertEstablished(pair)
            XCTAssertEqual(pair.clientRecorder.handshake?.protocolVersion, "TLSv1.3")
            XCTAssertEqual(pair.serverRecorder.handshake?.protocolVersion, "TLSv1.3")
            XCTAssertNotNil(pair.clientRecorder.handshake?.cipherSuite)
        }
    }

    func testTLS12NegotiatesWhenTheClientCapsIt() throws {
        try withTestCertificates { certs in
            let pair = try self.connectedPair(certs, client: { $0.maximumVersion = .tls12 })
            defer { pair.finish() }
            self.assertEstablished(pair)
            XCTAssertEqual(pair.clientRecorder.handshake?.protocolVersion, "TLSv1.2")
            XCTAssertEqual(pair.serverRecorder.handshake?.protocolVersion, "TLSv1.2")
        }
    }

    func testNoCommonVersionFailsTheHandshake() throws {
        try withTestCertificates { certs in
            let pair = try self.connectedPair(
                certs,
                client: { $0.maximumVersion = .tls12 },
                server: { $0.minimumVersion = .tls13 }
            )
            defer { pair.finish() }
            XCTAssertNil(pair.clientRecorder.handshake)
            XCTAssertEqual(pair.serverRecorder.errors.first?.code, .handshakeFailed)
            XCTAssertEqual(pair.clientRecorder.errors.first?.code, .handshakeFailed)
            XCTAssertFalse(pair.client.isActive)
            XCTAssertFalse(pair.server.isActive)
        }
    }

    func testNilHostnameVerifiesTheConnectedIPAddress() throws {
        try withTestCertificates { certs in
            let pair = try self.connectedPair(certs, serverHostname: nil)
            defer { pair.finish() }
            self.assertEstablished(pair)
        }
    }

    func testIPAddressHostnameIsCheckedAgainstIPSubjectAltName() throws {
        try withTestCertificates { certs in
            let good = try self.connectedPair(certs, serverHostname: "127.0.0.1")
            defer { good.finish() }
            self.assertEstablished(good)

            let bad = try self.connectedPair(certs, serverHostname: "127.0.0.2")
            defer { bad.finish() }
            let error = try XCTUnwrap(bad.clientRecorder.errors.first)
            XCTAssertEqual(error.code, .handshakeFailed)
            XCTAssertTrue(error.message.contains("certificate verify failed"), error.message)
            XCTAssertTrue(error.message.contains("IP address mismatch"), error.message)
        }
    }

    func testWrongTrustRootFailsWithCertificateVerifyFailed() throws {
        try withTestCertificates { certs in
            let pair = try self.connectedPair(certs, client: { $0.trustRootsFile = certs.otherCACertificate })
            defer { pair.finish() }
            XCTAssertNil(pair.clientRecorder.handshake)
            XCTAssertNil(pair.serverRecorder.handshake)
            let error = try XCTUnwrap(pair.clientRecorder.errors.first)
            XCTAssertEqual(error.code, .handshakeFailed)
            XCTAssertTrue(error.message.contains("certificate verify failed"), error.message)
            XCTAssertFalse(pair.client.isActive)
            // The alert the client sent makes the server give up too.
            XCTAssertEqual(pair.serverRecorder.errors.first?.code, .handshakeFailed)
            XCTAssertFalse(pair.server.isActive)
        }
    }

    func testHostnameMismatchIsRejected() throws {
        try withTestCertificates { certs in
            let pair = try self.connectedPair(certs, serverHostname: "db.stockroom.test")
            defer { pair.finish() }
            XCTAssertNil(pair.clientRecorder.handshake)
            let error = try XCTUnwrap(pair.clientRecorder.errors.first)
            XCTAssertEqual(error.code, .handshakeFailed)
            XCTAssertTrue(error.message.contains("certificate verify failed"), error.message)
            XCTAssertTrue(error.message.contains("hostname mismatch"), error.message)
            XCTAssertFalse(pair.client.isActive)
        }
    }

    func testHostnameIsNotCheckedWhenVerificationIsOff() throws {
        try withTestCertificates { certs in
            let pair = try self.connectedPair(
                certs,
                serverHostname: "db.stockroom.test",
                client: { $0.trustRootsFile = certs.otherCACertificate; $0.verifyPeer = false }
            )
            defer { pair.finish() }
            self.assertEstablished(pair)
        }
    }

    func testMutualTLSAcceptsAClientCertificate() throws {
        try withTestCertificates { certs in
            let pair = try self.connectedPair(
                certs,
                client: {
                    $0.certificateChainFile = certs.clientCertificate
                    $0.privateKeyFile = certs.clientKey
                },
                server: {
                    $0.verifyPeer = true
                    $0.trustRootsFile = certs.caCertificate
                }
            )
            defer { pair.finish() }
            self.assertEstablished(pair)
            try self.assertExchange(pair, "hello from a known client")
        }
    }

    func testMutualTLSRejectsAClientWithoutCertificate() throws {
        try withTestCertificates { certs in
            let pair = try self.connectedPair(
                certs,
                server: {
                    $0.verifyPeer = true
                    $0.trustRootsFile = certs.caCertificate
                }
            )
            defer { pair.finish() }
            XCTAssertNil(pair.serverRecorder.handshake)
            let error = try XCTUnwrap(pair.serverRecorder.errors.first)
            XCTAssertEqual(error.code, .handshakeFailed)
            XCTAssertTrue(error.message.contains("peer did not return a certificate"), error.message)
            XCTAssertFalse(pair.server.isActive)
            // In TLS 1.3 the client finished before the server judged it, so it learns from the alert.
            XCTAssertFalse(pair.client.isActive)
            XCTAssertFalse(pair.clientRecorder.errors.isEmpty)
        }
    }

    // MARK: Data

    private func assertExchange(
        _ pair: InMemoryTLSPair,
        _ text: String,
        file: StaticString = #filePath,
        line: UInt = #line
    ) throws {
        try pair.client.writeAndFlush(ByteBuffer(string: "ping: " + text)).wait()
        try pair.pump()
        XCTAssertEqual(pair.serverRecorder.takeReceivedString(), "ping: " + text, file: file, line: line)
        try pair.server.writeAndFlush(ByteBuffer(string: "pong: " + text)).wait()
        try pair.pump()
        XCTAssertEqual(pair.clientRecorder.takeReceivedString(), "pong: " + text, file: file, line: line)
    }

    func testSmallPlaintextBothWays() throws {
        try withTestCertificates { certs in
            let pair = try self.connectedPair(certs)
            defer { pair.finish() }
            try self.assertExchange(pair, "stock level?")
            try self.assertExchange(pair, "again")
            XCTAssertGreaterThan(pair.serverRecorder.readCompleteCount, 0)
        }
    }

    func testOneMegabyteBothWays() throws {
        try withTestCertificates { certs in
            let pair = try self.connectedPair(certs)
            defer { pair.finish() }
            let size = 1 << 20
            let upload = Self.randomBytes(size)
            let written = pair.client.writeAndFlush(upload)
            try pair.pump()
            try written.wait()
            XCTAssertEqual(pair.serverRecorder.received, upload)
            // Delivered as several bounded chunks rather than one megabyte-sized buffer.
            XCTAssertGreaterThan(pair.serverRecorder.readCount, 1)

            let download = Self.randomBytes(size)
            try pair.server.writeAndFlush(download).wait()
            try pair.pump()
            XCTAssertEqual(pair.clientRecorder.received, download)
        }
    }

    /// A server answers many requests per flush: their small writes go out as one record, in order,
    /// and each write's promise completes.
    func testSmallWritesOfOneFlushLeaveAsOneRecord() throws {
        try withTestCertificates { certs in
            let pair = try self.connectedPair(certs)
            defer { pair.finish() }
            let answers = (0..<20).map { "answer \($0);" }
            let written = answers.map { pair.server.write(ByteBuffer(string: $0)) }
            pair.server.flush()
            var ciphertext = ByteBuffer()
            while var piece = try pair.server.readOutbound(as: ByteBuffer.self) {
                ciphertext.writeBuffer(&piece)
            }
            for promise in written { try promise.wait() }
            let plaintextBytes = answers.joined().utf8.count
            // One record: a 5-byte header, the plaintext, TLS 1.3's content type and 16-byte tag.
            XCTAssertEqual(ciphertext.readableBytes, 5 + plaintextBytes + 1 + 16)
            try pair.client.writeInbound(ciphertext)
            XCTAssertEqual(pair.clientRecorder.takeReceivedString(), answers.joined())
        }
    }

    func testLargeWriteLeavesAsBoundedPiecesOfCiphertext() throws {
        try withTestCertificates { certs in
            let pair = try self.connectedPair(certs)
            defer { pair.finish() }
            let upload = Self.randomBytes(1 << 20)
            let written = pair.client.writeAndFlush(upload)
            var pieces: [ByteBuffer] = []
            while let piece = try pair.client.readOutbound(as: ByteBuffer.self) {
                pieces.append(piece)
            }
            try written.wait()
            XCTAssertGreaterThan(pieces.count, 8)
            // One hand-off threshold plus at most one record and its overhead.
            XCTAssertLessThanOrEqual(pieces.map(\.readableBytes).max() ?? 0, 64 * 1024 + 17 * 1024)
            for piece in pieces {
                try pair.server.writeInbound(piece)
            }
            XCTAssertEqual(pair.serverRecorder.received, upload)
        }
    }

    func testHandshakeStartsWhenAddedToAnAlreadyActiveChannel() throws {
        try withTestCertificates { certs in
            let contexts = try self.contexts(certs)
            let client = EmbeddedChannel()
            let server = EmbeddedChannel()
            defer {
                _ = try? client.finish(acceptAlreadyClosed: true)
                _ = try? server.finish(acceptAlreadyClosed: true)
            }
            let address = try SocketAddress(ipAddress: "127.0.0.1", port: 4433)
            try client.connect(to: address).wait()
            try server.connect(to: address).wait()
            let clientRecorder = TLSRecorder()
            let serverRecorder = TLSRecorder()
            try server.pipeline.syncOperations.addHandlers([OpenSSLHandler.server(context: contexts.server), serverRecorder])
            try client.pipeline.syncOperations.addHandlers([
                OpenSSLHandler.client(context: contexts.client, serverHostname: "localhost"), clientRecorder,
            ])
            var quiet = false
            while !quiet {
                quiet = true
                while let bytes = try client.readOutbound(as: ByteBuffer.self) {
                    quiet = false
                    try server.writeInbound(bytes)
                }
                while let bytes = try server.readOutbound(as: ByteBuffer.self) {
                    quiet = false
                    try client.writeInbound(bytes)
                }
            }
            XCTAssertEqual(clientRecorder.handshake?.protocolVersion, "TLSv1.3")
            XCTAssertEqual(serverRecorder.handshake?.protocolVersion, "TLSv1.3")
        }
    }

    func testPlaintextWrittenBeforeTheHandshakeIsSentAfterIt() throws {
        try withTestCertificates { certs in
            let contexts = try self.contexts(certs)
            let pair = try InMemoryTLSPair(
                clientContext: contexts.client,
                serverContext: contexts.server,
                serverHostname: "localhost"
            )
            defer { pair.finish() }
            // Before the channel is active...
            let early = pair.client.writeAndFlush(ByteBuffer(string: "early,"))
            let address = try SocketAddress(ipAddress: "127.0.0.1", port: 4433)
            try pair.server.connect(to: address).wait()
            try pair.client.connect(to: address).wait()
            // ...and while the handshake is under way.
            let during = pair.client.writeAndFlush(ByteBuffer(string: "during,"))
            pair.client.write(ByteBuffer(string: "unflushed"), promise: nil)
            try pair.pump()
            try early.wait()
            try during.wait()
            self.assertEstablished(pair)
            XCTAssertEqual(pair.serverRecorder.takeReceivedString(), "early,during,")
            pair.client.flush()
            try pair.pump()
            XCTAssertEqual(pair.serverRecorder.takeReceivedString(), "unflushed")
        }
    }

    func testReadsAreFollowedByReadComplete() throws {
        try withTestCertificates { certs in
            let pair = try self.connectedPair(certs)
            defer { pair.finish() }
            let before = pair.serverRecorder.readCompleteCount
            try pair.client.writeAndFlush(ByteBuffer(string: "one")).wait()
            try pair.pump()
            XCTAssertEqual(pair.serverRecorder.readCount, 1)
            XCTAssertEqual(pair.serverRecorder.readCompleteCount, before + 1)
        }
    }

    // MARK: Closing

    func testClientCloseSendsCloseNotifyAndServerCloses() throws {
        try withTestCertificates { certs in
            let pair = try self.connectedPair(certs)
            defer { pair.finish() }
            try self.assertExchange(pair, "before close")
            let closed = pair.client.close()
            try pair.pump()
            try closed.wait()
            XCTAssertFalse(pair.client.isActive)
            XCTAssertFalse(pair.server.isActive)
            XCTAssertTrue(pair.serverRecorder.wentInactive)
            XCTAssertEqual(pair.serverRecorder.errors.map(\.description), [])
            XCTAssertEqual(pair.clientRecorder.errors.map(\.description), [])
        }
    }

    func testServerCloseSendsCloseNotifyAndClientCloses() throws {
        try withTestCertificates { certs in
            let pair = try self.connectedPair(certs)
            defer { pair.finish() }
            // Data sent just before the close_notify arrives in the same read and is still delivered.
            pair.server.write(ByteBuffer(string: "last words"), promise: nil)
            pair.server.flush()
            let closed = pair.server.close()
            try pair.pump()
            try closed.wait()
            XCTAssertEqual(pair.clientRecorder.takeReceivedString(), "last words")
            XCTAssertFalse(pair.server.isActive)
            XCTAssertFalse(pair.client.isActive)
            XCTAssertTrue(pair.clientRecorder.wentInactive)
            XCTAssertEqual(pair.clientRecorder.errors.map(\.description), [])
            XCTAssertEqual(pair.serverRecorder.errors.map(\.description), [])
        }
    }

    func testCloseNotifyIsTheLastThingOnTheWire() throws {
        try withTestCertificates { certs in
            let pair = try self.connectedPair(certs)
            defer { pair.finish() }
            try pair.client.close().wait()
            // One close_notify alert record: 5-byte header plus an encrypted alert of a few bytes.
            let record = try XCTUnwrap(pair.client.readOutbound(as: ByteBuffer.self))
            XCTAssertNil(try pair.client.readOutbound(as: ByteBuffer.self))
            XCTAssertEqual(record.getInteger(at: record.readerIndex, as: UInt8.self), 23)  // TLS 1.3 hides alerts as application data
            XCTAssertLessThan(record.readableBytes, 64)
        }
    }

    func testWriteAfterCloseFailsWithClosed() throws {
        try withTestCertificates { certs in
            let pair = try self.connectedPair(certs)
            defer { pair.finish() }
            try pair.client.close().wait()
            let write = pair.client.writeAndFlush(ByteBuffer(string: "too late"))
            XCTAssertThrowsError(try write.wait())
        }
    }

    func testCloseFailsUnflushedWritesWithTLSErrorClosed() throws {
        try withTestCertificates { certs in
            let pair = try self.connectedPair(certs)
            defer { pair.finish() }
            let pending = pair.client.write(ByteBuffer(string: "never flushed"))
            try pair.client.close().wait()
            XCTAssertThrowsError(try pending.wait()) { error in
                XCTAssertEqual((error as? TLSError)?.code, .closed)
            }
        }
    }

    func testEOFWithoutCloseNotifyIsReportedAsUnexpectedEOF() throws {
        try withTestCertificates { certs in
            let pair = try self.connectedPair(certs)
            defer { pair.finish() }
            // A FIN with allowRemoteHalfClosure: the handler must not treat it as a clean end.
            pair.client.pipeline.fireUserInboundEventTriggered(ChannelEvent.inputClosed)
            XCTAssertEqual(pair.clientRecorder.errors.map(\.code), [.unexpectedEOF])
            XCTAssertFalse(pair.client.isActive)
        }
    }

    func testChannelInactiveWithoutCloseNotifyIsReportedAsUnexpectedEOF() throws {
        try withTestCertificates { certs in
            let pair = try self.connectedPair(certs)
            defer { pair.finish() }
            pair.server.pipeline.fireChannelInactive()
            XCTAssertEqual(pair.serverRecorder.errors.map(\.code), [.unexpectedEOF])
            XCTAssertTrue(pair.serverRecorder.wentInactive)
        }
    }

    func testEOFDuringHandshakeIsAHandshakeFailure() throws {
        try withTestCertificates { certs in
            let contexts = try self.contexts(certs)
            let pair = try InMemoryTLSPair(
                clientContext: contexts.client,
                serverContext: contexts.server,
                serverHostname: "localhost"
            )
            defer { pair.finish() }
            try pair.client.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 4433)).wait()
            XCTAssertNotNil(try pair.client.readOutbound(as: ByteBuffer.self))  // the ClientHello
            pair.client.pipeline.fireChannelInactive()
            XCTAssertEqual(pair.clientRecorder.errors.map(\.code), [.handshakeFailed])
        }
    }

    /// A client that sends its ClientHello and then nothing: the server gives up at the handshake
    /// timeout, reports why, and closes; a completed handshake is never timed out.
    func testAStalledHandshakeFailsAtTheTimeout() throws {
        try withTestCertificates { certs in
            let contexts = try self.contexts(certs, server: { $0.handshakeTimeout = .seconds(3) })
            let pair = try InMemoryTLSPair(clientContext: contexts.client, serverContext: contexts.server, serverHostname: "localhost")
            defer { pair.finish() }
            try pair.server.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 4433)).wait()
            try pair.client.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 4433)).wait()
            let clientHello = try XCTUnwrap(try pair.client.readOutbound(as: ByteBuffer.self))
            try pair.server.writeInbound(clientHello)  // the server answers; the client never goes on
            pair.server.embeddedEventLoop.advanceTime(by: .seconds(2))
            XCTAssertTrue(pair.server.isActive, "within the timeout")
            pair.server.embeddedEventLoop.advanceTime(by: .seconds(1))
            XCTAssertEqual(pair.serverRecorder.errors.map(\.code), [.handshakeFailed])
            XCTAssertTrue(pair.serverRecorder.errors.first?.description.contains("did not complete within") == true)
            XCTAssertFalse(pair.server.isActive, "closed")

            let established = try self.connectedPair(certs, server: { $0.handshakeTimeout = .seconds(3) })
            defer { established.finish() }
            established.server.embeddedEventLoop.advanceTime(by: .seconds(10))
            self.assertEstablished(established)
        }
    }

    func testCorruptRecordIsAnIOErrorAndCloses() throws {
        try withTestCertificates { certs in
            let pair = try self.connectedPair(certs)
            defer { pair.finish() }
            try pair.client.writeAndFlush(ByteBuffer(string: "tampered with")).wait()
            var record = try XCTUnwrap(pair.client.readOutbound(as: ByteBuffer.self))
            let last = record.writerIndex - 1
            record.setInteger(record.getInteger(at: last, as: UInt8.self)! ^ 0xFF, at: last)
            try pair.server.writeInbound(record)
            XCTAssertEqual(pair.serverRecorder.errors.map(\.code), [.io])
            XCTAssertEqual(pair.serverRecorder.received.readableBytes, 0)
            XCTAssertFalse(pair.server.isActive)
        }
    }
}
