import Logging
import NIOCore
import NIOExtras
import StockroomCore
import StockroomWire

/// One client connection: frames in, responses out. All protocol decisions are the state
/// machine's, all timing decisions `ConnectionDeadlines`'.
///
/// Requests run concurrently on the connection's own event loop and Redis connection, and each
/// response is written as soon as its script answers, so responses may overtake each other.
///
/// Back-pressure: the handler holds the channel's `read` while the peer does not take its answers
/// (the channel is not writable: unsent bytes passed the high-water mark) or while the connection
/// has its maximum of requests in flight. What a peer can make the server hold is then bounded by
/// those limits and one read's worth of frames, whatever it sends.
final class SalesConnectionHandler: ChannelDuplexHandler {
    typealias InboundIn = Frame
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private var stateMachine: ConnectionStateMachine
    private let backend: SalesBackend
    /// The server's logger: each line adds the peer (`Logger.Metadata.peer` says why).
    private let logger: Logger
    /// The remote address, for those lines.
    private let peer: SocketAddress?
    private let settings: ConnectionSettings
    /// Who this connection's stock changes are recorded as: the credential it authenticated with, or
    /// its address while it has none.
    private var actor: String
    /// The frame decoder's limit (raised after AUTH) and progress (for the frame deadline).
    private let reading: FrameReading
    private var context: ChannelHandlerContext?
    /// A flush is scheduled for the end of this event-loop turn: the answers of one Redis read go
    /// out in one syscall instead of one each.
    private var flushScheduled = false
    /// A `read` arrived while reading was held; it is passed on when reading may resume.
    private var readHeld = false
    private var deadlines: ConnectionDeadlines?
    private var lastReadAt = NIODeadline.now()
    /// The next check of the deadlines; each check schedules the one after it.
    private var clock: NIOScheduledCallback?

    init(
        settings: ConnectionSettings,
        peer: SocketAddress?,
        reading: FrameReading,
        backend: SalesBackend,
        logger: Logger
    ) {
        let configuration = settings.configuration
        let access = settings.access
        self.stateMachine = ConnectionStateMachine(
            credentials: access.credentials,
            throttle: access.throttle,
            // The throttle counts failures per host, whatever the source port.
            peer: peer?.ipAddress ?? "?",
            maxInFlight: configuration.maxInFlightPerConnection,
            maxFrameLength: configuration.maxFrameLength,
            serverName: configuration.serverName
        )
        self.settings = settings
        self.peer = peer
        self.actor = OperatorAudit.unauthenticatedActor(peer: peer?.ipAddress ?? "?")
        self.reading = reading
        self.backend = backend
        self.logger = logger
        // Until AUTH, only small frames: HELLO, AUTH and PING are all an unauthenticated peer may send.
        reading.maxFrameLength = access.credentials.current.authenticationRequired
            ? min(configuration.limits.maxUnauthenticatedFrameLength, configuration.maxFrameLength)
            : configuration.maxFrameLength
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        if context.channel.isActive { startClock(context: context) }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        clock?.cancel()
        clock = nil
        self.context = nil
    }

    func channelActive(context: ChannelHandlerContext) {
        startClock(context: context)
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        perform(stateMachine.frameReceived(frame), context: context)
        if stateMachine.isAuthenticated, reading.maxFrameLength != settings.configuration.maxFrameLength {
            reading.maxFrameLength = settings.configuration.maxFrameLength
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        lastReadAt = .now()
        context.fireChannelReadComplete()
    }

    func channelInactive(context: ChannelHandlerContext) {
        stateMachine.channelClosed()
        clock?.cancel()
        clock = nil
        context.fireChannelInactive()
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        resumeReadingIfAllowed(context: context)
        context.fireChannelWritabilityChanged()
    }

    func read(context: ChannelHandlerContext) {
        if mayRead(context: context) {
            context.read()
        } else {
            readHeld = true
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is ChannelShouldQuiesceEvent {
            perform(stateMachine.quiesce(), context: context)
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // The frame decoder cannot resynchronise after a bad header, so any stream error is final.
        let wireError = error as? WireError ?? WireError(.badFrame, "unreadable byte stream: \(error)")
        logger.debug("closing a connection after a stream error", metadata: .peer(peer, ["sr.error": "\(wireError)"]))
        perform(stateMachine.streamFailed(wireError), context: context)
    }

    private func perform(_ action: ConnectionStateMachine.Action, context: ChannelHandlerContext) {
        switch action {
        case .reply(let envelope):
            write(envelope, context: context, promise: nil)
        case .replyAndClose(let envelope):
            logger.debug("closing a connection", metadata: .peer(peer, ["sr.req": "\(envelope.requestID)"]))
            write(envelope, context: context).assumeIsolated().whenComplete { _ in
                context.close(promise: nil)
            }
        case .execute(let requestID, let request):
            execute(request, requestID: requestID)
        case .authenticated(let envelope, let credential):
            settings.access.metrics.succeeded(credential.role)
            actor = credential.name
            logger.info("authenticated", metadata: .peer(peer, ["sr.credential": "\(credential.name)", "sr.role": "\(credential.role.name)"]))
            write(envelope, context: context, promise: nil)
        case .authenticationFailed(let envelope, let closes, let throttled):
            // Never the token: only that it failed, from where, and what happens next.
            settings.access.metrics.failed(throttled: throttled)
            logger.warning(
                throttled ? "AUTH refused: too many failures from this address" : "AUTH failed: token not accepted",
                metadata: .peer(peer, ["sr.closes": "\(closes)"])
            )
            perform(closes ? .replyAndClose(envelope) : .reply(envelope), context: context)
        case .close:
            context.close(promise: nil)
        case .none:
            break
        }
    }

    private func execute(_ request: Request, requestID: UInt32) {
        logger.trace("request", metadata: .peer(peer, ["sr.req": "\(requestID)", "sr.op": "\(request.opcode)"]))
        // The backend answers on this channel's event loop: no hop between Redis's reply and ours.
        backend.execute(request, actor: actor) { [self] response in
            guard let context else { return }  // the connection is gone; nobody is waiting
            let envelope = ResponseEnvelope(requestID: requestID, response: response)
            switch stateMachine.requestCompleted() {
            case .close:
                // The last answer of a draining connection: close only once it is on the wire.
                write(envelope, context: context).assumeIsolated().whenComplete { _ in context.close(promise: nil) }
            case let action:
                write(envelope, context: context, promise: nil)
                perform(action, context: context)
                resumeReadingIfAllowed(context: context)
            }
        }
    }
}

// MARK: Back-pressure and deadlines

extension SalesConnectionHandler {
    private func mayRead(context: ChannelHandlerContext) -> Bool {
        context.channel.isWritable && stateMachine.inFlight < settings.configuration.maxInFlightPerConnection
    }

    private func resumeReadingIfAllowed(context: ChannelHandlerContext) {
        guard readHeld, mayRead(context: context) else { return }
        readHeld = false
        reading.restartPartialFrameClock()
        context.read()
    }

    /// One repeated check per connection for its handshake, frame and idle deadlines.
    ///
    /// Each check is a callback to this handler rather than a scheduled closure: a scheduled task also
    /// holds a promise, its future and two closures, about 300 bytes of every open connection.
    private func startClock(context: ChannelHandlerContext) {
        guard clock == nil else { return }
        let deadlines = ConnectionDeadlines(settings.configuration.limits, connectedAt: .now())
        self.deadlines = deadlines
        lastReadAt = .now()
        scheduleCheck(context: context)
    }

    private func scheduleCheck(context: ChannelHandlerContext) {
        guard let deadlines else { return }
        // Fails only on a loop that is shutting down, which closes the connection anyway.
        clock = try? context.eventLoop.assumeIsolated().scheduleCallback(in: deadlines.checkInterval, handler: self)
    }

    private func checkDeadlines() {
        guard let context, let deadlines else { return }
        let expiry = deadlines.expiry(
            // While we hold the reads, an unfinished frame is our doing, not the peer's.
            at: .now(), authenticated: stateMachine.isAuthenticated, partialFrameSince: readHeld ? nil : reading.partialFrameSince,
            lastReadAt: lastReadAt, inFlight: stateMachine.inFlight
        )
        guard let expiry else {
            scheduleCheck(context: context)
            return
        }
        clock = nil
        logger.debug("closing a connection past its deadline", metadata: .peer(peer, ["sr.deadline": "\(expiry)"]))
        perform(stateMachine.deadlinePassed(expiry), context: context)
    }
}

extension SalesConnectionHandler {
    /// Room for the usual answers; a longer one (a large PONG, a long error message) grows its buffer.
    private static let answerCapacity = 256

    /// Queues an answer and makes sure a flush follows before the event loop moves on; the future
    /// completes once it is written.
    private func write(_ envelope: ResponseEnvelope, context: ChannelHandlerContext) -> EventLoopFuture<Void> {
        let promise = context.eventLoop.makePromise(of: Void.self)
        write(envelope, context: context, promise: promise)
        return promise.futureResult
    }

    /// Encodes an answer and queues it, and makes sure a flush follows before the event loop moves on.
    /// Without a promise, no future is made: most answers need none.
    ///
    /// Each answer gets a buffer of its own, freed once sent. `MessageToByteHandler` would keep one per
    /// connection for the next answer, 256 bytes of every idle connection; and under load, with the
    /// turn's answers waiting for the flush, it takes a fresh one per answer all the same.
    private func write(_ envelope: ResponseEnvelope, context: ChannelHandlerContext, promise: EventLoopPromise<Void>?) {
        var buffer = context.channel.allocator.buffer(capacity: Self.answerCapacity)
        envelope.encode(into: &buffer)
        context.write(wrapOutboundOut(buffer), promise: promise)
        if !flushScheduled {
            flushScheduled = true
            context.eventLoop.assumeIsolated().execute { [self] in
                flushScheduled = false
                self.context?.flush()
            }
        }
    }
}

extension SalesConnectionHandler: NIOScheduledCallbackHandler {
    func handleScheduledCallback(eventLoop: some EventLoop) {
        checkDeadlines()
    }
}

@available(*, unavailable)
extension SalesConnectionHandler: Sendable {}
