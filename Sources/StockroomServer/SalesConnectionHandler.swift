import Logging
import NIOCore
import NIOExtras
import StockroomWire

/// One client connection: frames in, responses out. All decisions are the state machine's.
///
/// Requests run concurrently on the connection's own event loop and Redis connection, and each
/// response is written as soon as its script answers, so responses may overtake each other.
final class SalesConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = Frame
    typealias OutboundOut = ResponseEnvelope

    private var stateMachine: ConnectionStateMachine
    private let backend: SalesBackend
    private let logger: Logger
    private var context: ChannelHandlerContext?
    /// A flush is scheduled for the end of this event-loop turn: the answers of one Redis read go
    /// out in one syscall instead of one each.
    private var flushScheduled = false

    init(configuration: ServerConfiguration, backend: SalesBackend, logger: Logger) {
        self.stateMachine = ConnectionStateMachine(
            credentials: configuration.credentials,
            maxInFlight: configuration.maxInFlightPerConnection,
            maxFrameLength: configuration.maxFrameLength,
            serverName: configuration.serverName
        )
        self.backend = backend
        self.logger = logger
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        perform(stateMachine.frameReceived(frame), context: context)
    }

    func channelInactive(context: ChannelHandlerContext) {
        stateMachine.channelClosed()
        context.fireChannelInactive()
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
            _ = write(envelope, context: context)
        case .replyAndClose(let envelope):
            logger.debug("closing a connection", metadata: ["sr.req": "\(envelope.requestID)"])
            write(envelope, context: context).assumeIsolated().whenComplete { _ in
                context.close(promise: nil)
            }
        case .execute(let requestID, let request):
            execute(request, requestID: requestID)
        case .close:
            context.close(promise: nil)
        case .none:
            break
        }
    }

    private func execute(_ request: Request, requestID: UInt32) {
        logger.trace("request", metadata: ["sr.req": "\(requestID)", "sr.op": "\(request.opcode)"])
        // The backend answers on this channel's event loop: no hop between Redis's reply and ours.
        backend.execute(request).assumeIsolated().whenSuccess { [self] response in
            guard let context else { return }  // the connection is gone; nobody is waiting
            let written = write(ResponseEnvelope(requestID: requestID, response: response), context: context)
            switch stateMachine.requestCompleted() {
            case .close:
                // The last answer of a draining connection: close only once it is on the wire.
                written.assumeIsolated().whenComplete { _ in context.close(promise: nil) }
            case let action:
                perform(action, context: context)
            }
        }
    }
}

extension SalesConnectionHandler {
    /// Queues an answer and makes sure a flush follows before the event loop moves on.
    private func write(_ envelope: ResponseEnvelope, context: ChannelHandlerContext) -> EventLoopFuture<Void> {
        let written = context.write(wrapOutboundOut(envelope))
        if !flushScheduled {
            flushScheduled = true
            context.eventLoop.assumeIsolated().execute { [self] in
                flushScheduled = false
                self.context?.flush()
            }
        }
        return written
    }
}

@available(*, unavailable)
extension SalesConnectionHandler: Sendable {}
