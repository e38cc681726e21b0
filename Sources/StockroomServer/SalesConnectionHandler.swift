import Logging
import NIOCore
import NIOExtras
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
    typealias OutboundIn = ResponseEnvelope
    typealias OutboundOut = ResponseEnvelope

    private var stateMachine: ConnectionStateMachine
    private let backend: SalesBackend
    private let logger: Logger
    private let configuration: ServerConfiguration
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
    private var clock: Scheduled<Void>?

    private let authenticationMetrics: AuthenticationMetrics

    init(
        configuration: ServerConfiguration,
        access: ServerAccess,
        peer: String,
        reading: FrameReading,
        backend: SalesBackend,
        logger: Logger
    ) {
        self.stateMachine = ConnectionStateMachine(
            credentials: access.credentials,
            throttle: access.throttle,
            peer: peer,
            maxInFlight: configuration.maxInFlightPerConnection,
            maxFrameLength: configuration.maxFrameLength,
            serverName: configuration.serverName
        )
        self.configuration = configuration
        self.reading = reading
        self.backend = backend
        self.logger = logger
        self.authenticationMetrics = access.metrics
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
        if stateMachine.isAuthenticated, reading.maxFrameLength != configuration.maxFrameLength {
            reading.maxFrameLength = configuration.maxFrameLength
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
        logger.debug("closing a connection after a stream error", metadata: ["sr.error": "\(wireError)"])
        perform(stateMachine.streamFailed(wireError), context: context)
    }

    private func perform(_ action: ConnectionStateMachine.Action, context: ChannelHandlerContext) {
        switch action {
        case .reply(let envelope):
            write(envelope, context: context, promise: nil)
        case .replyAndClose(let envelope):
            logger.debug("closing a connection", metadata: ["sr.req": "\(envelope.requestID)"])
            write(envelope, context: context).assumeIsolated().whenComplete { _ in
                context.close(promise: nil)
            }
        case .execute(let requestID, let request):
            execute(request, requestID: requestID)
        case .authenticated(let envelope, let credential):
            authenticationMetrics.succeeded(credential.role)
            logger.info("authenticated", metadata: ["sr.credential": "\(credential.name)", "sr.role": "\(credential.role.name)"])
            write(envelope, context: context, promise: nil)
        case .authenticationFailed(let envelope, let closes, let throttled):
            // Never the token: only that it failed, from where, and what happens next.
            authenticationMetrics.failed(throttled: throttled)
            logger.warning(
                throttled ? "AUTH refused: too many failures from this address" : "AUTH failed: token not accepted",
                metadata: ["sr.closes": "\(closes)"]
            )
            perform(closes ? .replyAndClose(envelope) : .reply(envelope), context: context)
        case .close:
            context.close(promise: nil)
        case .none:
            break
        }
    }

    private func execute(_ request: Request, requestID: UInt32) {
        logger.trace("request", metadata: ["sr.req": "\(requestID)", "sr.op": "\(request.opcode)"])
        // The backend answers on this channel's event loop: no hop between Redis's reply and ours.
        backend.execute(request) { [self] response in
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
        context.channel.isWritable && stateMachine.inFlight < configuration.maxInFlightPerConnection
    }

    private func resumeReadingIfAllowed(context: ChannelHandlerContext) {
        guard readHeld, mayRead(context: context) else { return }
        readHeld = false
        reading.restartPartialFrameClock()
        context.read()
    }

    /// One repeated check per connection for its handshake, frame and idle deadlines.
    private func startClock(context: ChannelHandlerContext) {
        guard clock == nil else { return }
        let deadlines = ConnectionDeadlines(configuration.limits, connectedAt: .now())
        self.deadlines = deadlines
        lastReadAt = .now()
        scheduleCheck(context: context)
    }

    private func scheduleCheck(context: ChannelHandlerContext) {
        guard let deadlines else { return }
        clock = context.eventLoop.assumeIsolated().scheduleTask(in: deadlines.checkInterval) { [self] in
            checkDeadlines()
        }
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
        logger.debug("closing a connection past its deadline", metadata: ["sr.deadline": "\(expiry)"])
        perform(stateMachine.deadlinePassed(expiry), context: context)
    }
}

extension SalesConnectionHandler {
    /// Queues an answer and makes sure a flush follows before the event loop moves on; the future
    /// completes once it is written.
    private func write(_ envelope: ResponseEnvelope, context: ChannelHandlerContext) -> EventLoopFuture<Void> {
        let promise = context.eventLoop.makePromise(of: Void.self)
        write(envelope, context: context, promise: promise)
        return promise.futureResult
    }

    /// Queues an answer and makes sure a flush follows before the event loop moves on. Without a
    /// promise, no future is made: most answers need none.
    private func write(_ envelope: ResponseEnvelope, context: ChannelHandlerContext, promise: EventLoopPromise<Void>?) {
        context.write(wrapOutboundOut(envelope), promise: promise)
        if !flushScheduled {
            flushScheduled = true
            context.eventLoop.assumeIsolated().execute { [self] in
                flushScheduled = false
                self.context?.flush()
            }
        }
    }
}

@available(*, unavailable)
extension SalesConnectionHandler: Sendable {}
