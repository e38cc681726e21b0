// LoopbackSupport: handlers and bounded waits for tests that run OpenSSLHandler over real loopback sockets.

import TestSupport
import NIOCore
import StockroomTLS
import XCTest

/// Reports the handshake event and the first TLSError seen on a channel through promises.
final class TLSOutcomeObserver: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    private let handshake: EventLoopPromise<TLSHandshakeCompletedEvent>
    private let firstError: EventLoopPromise<TLSError>?

    init(handshake: EventLoopPromise<TLSHandshakeCompletedEvent>, firstError: EventLoopPromise<TLSError>? = nil) {
        self.handshake = handshake
        self.firstError = firstError
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? TLSHandshakeCompletedEvent {
            self.handshake.succeed(event)
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if let error = error as? TLSError {
            self.firstError?.succeed(error)
        }
        self.handshake.fail(error)
        context.fireErrorCaught(error)
    }
}

/// Echoes plaintext and closes (with close_notify) once a full line has gone back.
final class EchoLineThenCloseHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let bytes = self.unwrapInboundIn(data)
        let sawNewline = bytes.readableBytesView.contains(UInt8(ascii: "\n"))
        context.writeAndFlush(self.wrapOutboundOut(bytes), promise: nil)
        if sawNewline {
            context.close(promise: nil)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}

/// Completes `line` with the first newline-terminated line of plaintext received.
final class FirstLineCollector: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    private let line: EventLoopPromise<String>
    private var buffer = ByteBuffer()

    init(line: EventLoopPromise<String>) {
        self.line = line
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var bytes = self.unwrapInboundIn(data)
        self.buffer.writeBuffer(&bytes)
        if let newline = self.buffer.readableBytesView.firstIndex(of: UInt8(ascii: "\n")) {
            let length = newline - self.buffer.readerIndex
            self.line.succeed(self.buffer.readString(length: length) ?? "")
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.line.fail(TestSupportError("connection closed before a full line arrived"))
        context.fireChannelInactive()
    }
}

/// Waits for `future`, failing instead of hanging if it has not completed within `seconds`.
func waitBounded<Value: Sendable>(
    _ future: EventLoopFuture<Value>,
    seconds: Int64 = 15,
    _ what: String
) throws -> Value {
    let bounded = future.eventLoop.makePromise(of: Value.self)
    future.cascade(to: bounded)
    let timeout = future.eventLoop.scheduleTask(in: .seconds(seconds)) {
        bounded.fail(TestSupportError("timed out after \(seconds)s waiting for \(what)"))
    }
    defer { timeout.cancel() }
    return try bounded.futureResult.wait()
}
