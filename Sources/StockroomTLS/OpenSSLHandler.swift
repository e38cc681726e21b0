// OpenSSLHandler: runs TLS on a channel through OpenSSL, with ciphertext below it in the pipeline and plaintext above.

import NIOCore

/// A duplex handler that encrypts what is written through it and decrypts what is read.
///
/// Below it (towards the socket) travels ciphertext, above it plaintext. The handshake starts as soon
/// as the channel is active; plaintext written earlier waits for it. `close()` sends close_notify
/// before closing, a peer's close_notify closes the channel, and a TCP EOF without one is reported
/// as `TLSError.Code.unexpectedEOF`, because the data received may then have been cut short.
///
/// Client hostname checks: with `verifyPeer`, the server certificate must name `serverHostname`, or,
/// when that is nil, the IP address the channel is connected to.
///
/// Deliberately not a `RemovableChannelHandler`: taking it out of a live pipeline would send the
/// plaintext above it onto the socket unencrypted.
public final class OpenSSLHandler: ChannelDuplexHandler {
    public typealias InboundIn = ByteBuffer
    public typealias InboundOut = ByteBuffer
    public typealias OutboundIn = ByteBuffer
    public typealias OutboundOut = ByteBuffer

    private enum State {
        /// The channel is not active yet: nothing sent, writes queue up.
        case idle
        case handshaking
        case active
        /// Our close_notify has been handed to the channel, which is closed once that write completes
        /// or the shutdown timeout fires, whichever comes first.
        case closing(promise: EventLoopPromise<Void>?, timeout: Scheduled<Void>?)
        /// Terminal: the channel is closed or being closed and OpenSSL is not called again.
        case closed
    }

    private struct PendingWrite {
        var data: ByteBuffer
        var promise: EventLoopPromise<Void>?
    }

    /// Decrypted bytes go downstream once this many have gathered, so a large burst of ciphertext
    /// does not become one unbounded buffer.
    private static let deliveryThreshold = 64 * 1024
    /// A large write hands its ciphertext to the channel in pieces of about this size. The write
    /// BIO keeps whatever capacity it once grew to, so letting a megabyte pile up there would cost
    /// that megabyte for the rest of the connection.
    private static let ciphertextHandOffThreshold = 64 * 1024
    /// The most plaintext one TLS record carries.
    private static let recordPlaintextLimit = 16 * 1024

    private var state: State = .idle
    private let connection: TLSConnection
    private let serverHostname: String?
    private var pendingWrites = CircularBuffer<PendingWrite>(initialCapacity: 8)
    /// The first `flushedWriteCount` pending writes were flushed by the user and go to SSL_write as
    /// soon as the connection can take them; the rest wait for the next flush.
    private var flushedWriteCount = 0
    /// SSL_write stopped in the middle of the first pending write (it needs bytes from the peer): it
    /// must be called again with that same buffer, so nothing may be appended to it.
    private var headWriteStarted = false
    /// Every SSL_read lands here. It is handed downstream and then recycled: when the reader has
    /// let go of it, the next read reuses its storage instead of allocating.
    private var plaintext = ByteBuffer()
    private var deliveredSinceReadComplete = false
    /// Fails the handshake when it takes longer than the configuration's `handshakeTimeout`.
    private var handshakeTimer: Scheduled<Void>?

    private init(context: TLSContext, serverHostname: String?) {
        self.connection = TLSConnection(context: context)
        self.serverHostname = serverHostname
    }

    public static func server(context: TLSContext) -> OpenSSLHandler {
        precondition(context.role == .server, "OpenSSLHandler.server needs a TLSContext built for .server")
        return OpenSSLHandler(context: context, serverHostname: nil)
    }

    /// `serverHostname` is sent as SNI (unless it is an IP address) and checked against the certificate.
    public static func client(context: TLSContext, serverHostname: String?) -> OpenSSLHandler {
        precondition(context.role == .client, "OpenSSLHandler.client needs a TLSContext built for .client")
        return OpenSSLHandler(context: context, serverHostname: serverHostname)
    }

    // MARK: Lifecycle

    public func handlerAdded(context: ChannelHandlerContext) {
        self.plaintext = context.channel.allocator.buffer(capacity: 2 * TLSConnection.maximumRecordSize)
        if context.channel.isActive {
            self.startHandshake(context: context)
        }
    }

    public func handlerRemoved(context: ChannelHandlerContext) {
        switch self.state {
        case .closing(let promise, let timeout):
            timeout?.cancel()
            promise?.fail(TLSError(.closed, "OpenSSLHandler was removed while closing"))
        case .idle, .handshaking, .active, .closed:
            break
        }
        self.state = .closed
        self.cancelHandshakeTimer()
        self.failPendingWrites(TLSError(.closed, "OpenSSLHandler was removed from the pipeline"))
        self.connection.free()
    }

    public func channelActive(context: ChannelHandlerContext) {
        // Handlers above see the channel active before any handshake failure can close it again.
        context.fireChannelActive()
        self.startHandshake(context: context)
    }

    public func channelInactive(context: ChannelHandlerContext) {
        let error: TLSError?
        switch self.state {
        case .idle, .closed:
            error = nil
        case .handshaking:
            error = TLSError(.handshakeFailed, "connection closed during the TLS handshake")
        case .active:
            error = TLSError(.unexpectedEOF, "connection closed without a TLS close_notify")
        case .closing(let promise, let timeout):
            // The peer closed first; the close that was asked for has happened all the same.
            timeout?.cancel()
            promise?.succeed(())
            error = nil
        }
        self.state = .closed
        self.cancelHandshakeTimer()
        self.failPendingWrites(error ?? TLSError(.closed, "connection closed"))
        if let error {
            context.fireErrorCaught(error)
        }
        context.fireChannelInactive()
    }

    public func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        // Only seen with allowRemoteHalfClosure; otherwise a FIN arrives as channelInactive.
        if let event = event as? ChannelEvent, event == .inputClosed {
            switch self.state {
            case .handshaking:
                self.failAndClose(
                    context: context,
                    TLSError(.handshakeFailed, "peer closed the connection during the TLS handshake")
                )
            case .active:
                self.failAndClose(
                    context: context,
                    TLSError(.unexpectedEOF, "peer closed the connection without a TLS close_notify")
                )
            case .idle, .closing, .closed:
                break
            }
        }
        context.fireUserInboundEventTriggered(event)
    }

    // MARK: Handshake

    private func startHandshake(context: ChannelHandlerContext) {
        switch self.state {
        case .idle:
            break
        case .handshaking, .active, .closing, .closed:
            // Already under way, or closed before the channel ever became active.
            return
        }
        do throws(TLSError) {
            try self.configurePeerIdentity(context: context)
        } catch {
            self.failAndClose(context: context, error)
            return
        }
        self.state = .handshaking
        let limit = self.connection.context.configuration.handshakeTimeout
        self.handshakeTimer = context.eventLoop.assumeIsolated().scheduleTask(in: TimeAmount(limit)) { [self] in
            guard case .handshaking = self.state else { return }
            self.failAndClose(context: context, TLSError(.handshakeFailed, "the TLS handshake did not complete within \(limit)"))
        }
        self.handshakeStep(context: context)
    }

    private func cancelHandshakeTimer() {
        self.handshakeTimer?.cancel()
        self.handshakeTimer = nil
    }

    private func configurePeerIdentity(context: ChannelHandlerContext) throws(TLSError) {
        guard self.connection.context.role == .client else { return }
        if let hostname = self.serverHostname {
            try self.connection.setServerHostname(hostname)
        } else if self.connection.context.configuration.verifyPeer,
            let address = context.channel.remoteAddress?.ipAddress
        {
            try self.connection.expectPeerIPAddress(address)
        }
    }

    private func handshakeStep(context: ChannelHandlerContext) {
        switch self.connection.handshake() {
        case .incomplete:
            self.writeCiphertext(context: context)
        case .complete:
            self.state = .active
            self.cancelHandshakeTimer()
            self.writeCiphertext(context: context)
            context.fireUserInboundEventTriggered(
                TLSHandshakeCompletedEvent(
                    protocolVersion: self.connection.protocolVersion,
                    cipherSuite: self.connection.cipherSuite
                )
            )
            // Application data can arrive in the same read as the peer's Finished message.
            self.decodePlaintext(context: context)
            self.writePendingPlaintext(context: context)
        case .failed(let error):
            // The alert OpenSSL queued tells the peer why.
            self.writeCiphertext(context: context)
            self.failAndClose(context: context, error)
        }
    }

    // MARK: Reading

    public func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let ciphertext = self.unwrapInboundIn(data)
        switch self.state {
        case .idle:
            // Bytes before channelActive: keep them for the handshake, which reads the BIO first.
            self.connection.feed(ciphertext)
        case .handshaking:
            self.connection.feed(ciphertext)
            self.handshakeStep(context: context)
        case .active:
            self.connection.feed(ciphertext)
            self.decodePlaintext(context: context)
            // A write that stopped on WANT_READ may go through now.
            self.writePendingPlaintext(context: context)
        case .closing:
            // The peer may still be sending until it sees our close_notify; what it sent is genuine.
            self.connection.feed(ciphertext)
            self.decodePlaintext(context: context)
        case .closed:
            break
        }
    }

    public func channelReadComplete(context: ChannelHandlerContext) {
        if self.deliveredSinceReadComplete {
            self.deliveredSinceReadComplete = false
            context.fireChannelReadComplete()
            return
        }
        switch self.state {
        case .idle, .handshaking, .active, .closing:
            // Nothing reached the reader, so with autoRead off it would never ask for more and a
            // handshake or a half-received record would stall.
            let autoRead = (try? context.channel.syncOptions?.getOption(ChannelOptions.autoRead)) ?? true
            if !autoRead {
                context.read()
            }
        case .closed:
            break
        }
    }

    private func decodePlaintext(context: ChannelHandlerContext) {
        readLoop: while true {
            switch self.state {
            case .active, .closing:
                break
            case .closed:
                // Whoever we delivered to closed the channel.
                return
            case .idle, .handshaking:
                preconditionFailure("decrypting application data before the handshake completed")
            }
            if self.plaintext.readableBytes == 0 {
                // Allocation-free when the last chunk has been released downstream.
                self.plaintext.clear()
            }
            switch self.connection.read(into: &self.plaintext) {
            case .bytes:
                if self.plaintext.readableBytes >= Self.deliveryThreshold {
                    self.deliverPlaintext(context: context)
                }
            case .needMoreCiphertext:
                break readLoop
            case .closeNotify:
                self.deliverPlaintext(context: context)
                self.peerSentCloseNotify(context: context)
                return
            case .failed(let error):
                // Records before the bad one were authenticated, so they are still worth delivering.
                self.deliverPlaintext(context: context)
                self.failAndClose(context: context, error)
                return
            }
        }
        self.deliverPlaintext(context: context)
        // Reading can produce output too: a key update answer, an alert.
        switch self.state {
        case .active, .closing:
            self.writeCiphertext(context: context)
        case .idle, .handshaking, .closed:
            break
        }
    }

    private func deliverPlaintext(context: ChannelHandlerContext) {
        guard self.plaintext.readableBytes > 0 else { return }
        let chunk = self.plaintext
        // Marked consumed before calling out, so a re-entrant read cannot deliver these bytes twice.
        self.plaintext.moveReaderIndex(to: self.plaintext.writerIndex)
        self.deliveredSinceReadComplete = true
        context.fireChannelRead(self.wrapInboundOut(chunk))
    }

    private func peerSentCloseNotify(context: ChannelHandlerContext) {
        switch self.state {
        case .active:
            // The reader sees the end of this batch before the channel goes inactive.
            if self.deliveredSinceReadComplete {
                self.deliveredSinceReadComplete = false
                context.fireChannelReadComplete()
            }
            self.beginClose(context: context, promise: nil)
        case .closing:
            // Ours is already on its way; the channel closes when it has been written.
            break
        case .closed:
            // Delivering the last plaintext made someone close the channel.
            break
        case .idle, .handshaking:
            preconditionFailure("close_notify decrypted before the handshake completed")
        }
    }

    // MARK: Writing

    public func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch self.state {
        case .idle, .handshaking, .active:
            self.pendingWrites.append(PendingWrite(data: self.unwrapOutboundIn(data), promise: promise))
        case .closing, .closed:
            promise?.fail(TLSError(.closed, "write after the TLS connection was closed"))
        }
    }

    public func flush(context: ChannelHandlerContext) {
        self.flushedWriteCount = self.pendingWrites.count
        switch self.state {
        case .idle, .handshaking:
            // Sent when the handshake completes.
            break
        case .active:
            self.writePendingPlaintext(context: context)
        case .closing, .closed:
            // write() refuses data in these states and closing failed whatever was left.
            break
        }
    }

    /// Runs flushed writes through SSL_write, then sends the resulting ciphertext in one flush.
    private func writePendingPlaintext(context: ChannelHandlerContext) {
        switch self.state {
        case .active:
            break
        case .idle, .handshaking, .closing, .closed:
            return
        }
        guard self.flushedWriteCount > 0 else { return }
        self.coalesceFlushedWrites(on: context.eventLoop)

        var completed: [EventLoopPromise<Void>] = []
        var handedOffUnflushed = false
        writeLoop: while self.flushedWriteCount > 0 {
            let head = self.pendingWrites.startIndex
            switch self.connection.write(&self.pendingWrites[head].data) {
            case .complete:
                if self.connection.pendingCiphertextBytes >= Self.ciphertextHandOffThreshold {
                    self.writeCiphertext(context: context, flush: false)
                    handedOffUnflushed = true
                }
                if self.pendingWrites[head].data.readableBytes == 0 {
                    let done = self.pendingWrites.removeFirst()
                    self.flushedWriteCount -= 1
                    self.headWriteStarted = false
                    if let promise = done.promise {
                        completed.append(promise)
                    }
                }
            case .incomplete:
                // OpenSSL needs bytes from the peer first; channelRead resumes us.
                self.headWriteStarted = true
                break writeLoop
            case .failed(let error):
                for promise in completed {
                    promise.fail(error)
                }
                self.failAndClose(context: context, error)
                return
            }
        }
        let promise = Self.combine(completed, on: context.eventLoop)
        if promise == nil, handedOffUnflushed, self.connection.pendingCiphertextBytes == 0 {
            context.flush()
        } else {
            self.writeCiphertext(context: context, promise: promise)
        }
    }

    /// Joins the small flushed writes at the head into one, up to a record's worth: a server answers
    /// many requests per flush, and each SSL_write is a record of its own, with its header, its
    /// authentication tag and its cipher call, which cost more than an answer of a few dozen bytes.
    private func coalesceFlushedWrites(on eventLoop: any EventLoop) {
        guard self.flushedWriteCount > 1, !self.headWriteStarted else { return }
        var merged = self.pendingWrites.removeFirst()
        var promises = merged.promise.map { [$0] } ?? []
        var joined = 1
        while joined < self.flushedWriteCount, let next = self.pendingWrites.first,
            merged.data.readableBytes + next.data.readableBytes <= Self.recordPlaintextLimit
        {
            var write = self.pendingWrites.removeFirst()
            merged.data.writeBuffer(&write.data)
            if let promise = write.promise { promises.append(promise) }
            joined += 1
        }
        merged.promise = Self.combine(promises, on: eventLoop)
        self.pendingWrites.prepend(merged)
        self.flushedWriteCount -= joined - 1
    }

    /// Sends whatever OpenSSL has queued for the network. Flushes unless told otherwise: the bytes
    /// are handshake messages, alerts or records of data the user has already flushed.
    private func writeCiphertext(
        context: ChannelHandlerContext,
        promise: EventLoopPromise<Void>? = nil,
        flush: Bool = true
    ) {
        let ciphertext: ByteBuffer
        if let pending = self.connection.takeCiphertext(allocator: context.channel.allocator) {
            ciphertext = pending
        } else if promise != nil {
            // An empty write still travels the channel, so the promise completes after earlier writes.
            ciphertext = context.channel.allocator.buffer(capacity: 0)
        } else {
            return
        }
        if flush {
            context.writeAndFlush(self.wrapOutboundOut(ciphertext), promise: promise)
        } else {
            context.write(self.wrapOutboundOut(ciphertext), promise: promise)
        }
    }

    private func failPendingWrites(_ error: TLSError) {
        self.flushedWriteCount = 0
        self.headWriteStarted = false
        while let write = self.pendingWrites.popFirst() {
            write.promise?.fail(error)
        }
    }

    private static func combine(
        _ promises: [EventLoopPromise<Void>],
        on eventLoop: any EventLoop
    ) -> EventLoopPromise<Void>? {
        switch promises.count {
        case 0:
            return nil
        case 1:
            return promises[0]
        default:
            let combined = eventLoop.makePromise(of: Void.self)
            combined.futureResult.whenComplete { result in
                for promise in promises {
                    promise.completeWith(result)
                }
            }
            return combined
        }
    }

    // MARK: Closing

    public func close(context: ChannelHandlerContext, mode: CloseMode, promise: EventLoopPromise<Void>?) {
        switch mode {
        case .all:
            break
        case .input:
            // Not reading any more needs nothing from TLS.
            context.close(mode: .input, promise: promise)
            return
        case .output:
            // A TLS half-close would mean close_notify while still decrypting; nothing here needs it.
            promise?.fail(ChannelError.operationUnsupported)
            return
        }

        switch self.state {
        case .idle, .handshaking:
            // There is no session to end politely: OpenSSL refuses SSL_shutdown mid-handshake.
            self.state = .closed
            self.failPendingWrites(TLSError(.closed, "connection closed before the TLS handshake completed"))
            context.close(promise: promise)
        case .active:
            self.beginClose(context: context, promise: promise)
        case .closing(let existing, let timeout):
            guard let promise else { return }
            if let existing {
                existing.futureResult.cascade(to: promise)
            } else {
                self.state = .closing(promise: promise, timeout: timeout)
            }
        case .closed:
            // Let the channel give its own answer: already closed, or closing after an error.
            context.close(promise: promise)
        }
    }

    /// Sends close_notify and closes the channel once it is written, without waiting for the peer's
    /// reply: a peer that never answers must not keep the connection open.
    private func beginClose(context: ChannelHandlerContext, promise: EventLoopPromise<Void>?) {
        let timeout = context.eventLoop.assumeIsolated().scheduleTask(
            in: TimeAmount(self.connection.context.configuration.shutdownTimeout)
        ) {
            self.finishClose(context: context)
        }
        // Set before anything below can call out, so a re-entrant close() joins this one.
        self.state = .closing(promise: promise, timeout: timeout)

        switch self.connection.shutdown() {
        case .complete, .incomplete:
            // Memory BIOs never block, so whatever OpenSSL could queue is queued: send it and go.
            break
        case .failed(let error):
            self.failAndClose(context: context, error)
            return
        }
        let written = context.eventLoop.makePromise(of: Void.self)
        written.futureResult.assumeIsolated().whenComplete { _ in
            self.finishClose(context: context)
        }
        self.writeCiphertext(context: context, promise: written)
        self.failPendingWrites(TLSError(.closed, "connection closed before the write was sent"))
    }

    private func finishClose(context: ChannelHandlerContext) {
        guard case .closing(let promise, let timeout) = self.state else {
            // Already closed: by the peer, an error, or the other of write-completion and timeout.
            return
        }
        timeout?.cancel()
        self.state = .closed
        context.close(promise: promise)
    }

    /// Reports `error` and closes the channel; the state becomes terminal first so nothing the error
    /// triggers downstream can start another TLS operation.
    private func failAndClose(context: ChannelHandlerContext, _ error: TLSError) {
        let promise: EventLoopPromise<Void>?
        switch self.state {
        case .closing(let closePromise, let timeout):
            timeout?.cancel()
            promise = closePromise
        case .idle, .handshaking, .active:
            promise = nil
        case .closed:
            return
        }
        self.state = .closed
        self.cancelHandshakeTimer()
        self.failPendingWrites(error)
        context.fireErrorCaught(error)
        context.close(promise: promise)
    }
}

@available(*, unavailable)
extension OpenSSLHandler: Sendable {}
