// InMemoryTLSPair: a client and a server OpenSSLHandler on two EmbeddedChannels, wired back to back.

import TestSupport
import NIOCore
import NIOEmbedded
import StockroomTLS
import XCTest

/// Sits above an OpenSSLHandler and keeps what reaches the application: plaintext, events, errors.
final class TLSRecorder: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    var received = ByteBuffer()
    var readCount = 0
    var readCompleteCount = 0
    var handshake: TLSHandshakeCompletedEvent?
    var errors: [TLSError] = []
    var otherErrors: [any Error] = []
    var wentInactive = false

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var chunk = self.unwrapInboundIn(data)
        self.readCount += 1
        self.received.writeBuffer(&chunk)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        self.readCompleteCount += 1
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? TLSHandshakeCompletedEvent {
            self.handshake = event
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if let error = error as? TLSError {
            self.errors.append(error)
        } else {
            self.otherErrors.append(error)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.wentInactive = true
        context.fireChannelInactive()
    }

    func takeReceivedString() -> String {
        self.received.readString(length: self.received.readableBytes) ?? ""
    }
}

final class InMemoryTLSPair {
    let client = EmbeddedChannel()
    let server = EmbeddedChannel()
    let clientRecorder = TLSRecorder()
    let serverRecorder = TLSRecorder()

    init(clientContext: TLSContext, serverContext: TLSContext, serverHostname: String?) throws {
        try self.client.pipeline.syncOperations.addHandlers([
            OpenSSLHandler.client(context: clientContext, serverHostname: serverHostname),
            self.clientRecorder,
        ])
        try self.server.pipeline.syncOperations.addHandlers([
            OpenSSLHandler.server(context: serverContext),
            self.serverRecorder,
        ])
    }

    /// Makes both channels active (the client's ClientHello is then waiting) and runs the exchange to quiet.
    func connectAndPump() throws {
        let address = try SocketAddress(ipAddress: "127.0.0.1", port: 4433)
        try self.server.connect(to: address).wait()
        try self.client.connect(to: address).wait()
        try self.pump()
    }

    /// Moves ciphertext between the channels until neither has anything left to send. A closed
    /// channel's inbound bytes are dropped, as a closed socket would.
    func pump(file: StaticString = #filePath, line: UInt = #line) throws {
        for _ in 0..<100_000 {
            let movedToServer = try Self.move(from: self.client, to: self.server)
            let movedToClient = try Self.move(from: self.server, to: self.client)
            if !movedToServer && !movedToClient {
                return
            }
        }
        XCTFail("the TLS exchange never went quiet", file: file, line: line)
    }

    private static func move(from source: EmbeddedChannel, to destination: EmbeddedChannel) throws -> Bool {
        var moved = false
        while let bytes = try source.readOutbound(as: ByteBuffer.self) {
            moved = true
            if destination.isActive {
                try destination.writeInbound(bytes)
            }
        }
        return moved
    }

    func finish() {
        _ = try? self.client.finish(acceptAlreadyClosed: true)
        _ = try? self.server.finish(acceptAlreadyClosed: true)
    }
}
