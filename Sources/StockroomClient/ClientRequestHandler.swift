import NIOCore
import StockroomWire

/// A request on its way out, with the promise its answer completes.
struct OutgoingRequest: Sendable {
    var request: Request
    var promise: EventLoopPromise<Response>
    var timeout: TimeAmount
}

/// Multiplexes many requests over one connection: numbers each, and matches answers by request id,
/// whatever order they come back in.
final class ClientRequestHandler: ChannelDuplexHandler {
    typealias InboundIn = Frame
    typealias OutboundIn = OutgoingRequest
    typealias OutboundOut = RequestEnvelope

    private struct Pending {
        var promise: EventLoopPromise<Response>
        var timeout: Scheduled<Void>
    }

    /// Requests waiting for their answer, by request id.
    private var pending: [UInt32: Pending] = [:]
    /// Set once the connection is unusable; every later request fails with it.
    private var failure: StockroomClientError?
    private var lastRequestID: UInt32 = 0
    /// A flush is scheduled for the end of this event-loop turn: the requests a turn sends (the next
    /// ones of every caller its answers woke) leave in one write instead of one each.
    private var flushScheduled = false

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let outgoing = unwrapOutboundIn(data)
        if let failure {
            outgoing.promise.fail(failure)
            promise?.fail(ChannelError.ioOnClosedChannel)
            return
        }
        let requestID = nextRequestID()
        let timeout = context.eventLoop.assumeIsolated().scheduleTask(in: outgoing.timeout) { [self] in
            self.fail(requestID, StockroomClientError(.timeout, "no answer to \(outgoing.request.opcode) within \(outgoing.timeout)"))
        }
        pending[requestID] = Pending(promise: outgoing.promise, timeout: timeout)
        context.write(wrapOutboundOut(RequestEnvelope(requestID: requestID, request: outgoing.request)), promise: promise)
    }

    func flush(context: ChannelHandlerContext) {
        guard !flushScheduled else { return }
        flushScheduled = true
        context.eventLoop.assumeIsolated().execute { [self] in
            flushScheduled = false
            context.flush()
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let envelope: ResponseEnvelope
        do {
            envelope = try ResponseEnvelope(decoding: unwrapInboundIn(data))
        } catch {
            failAll(StockroomClientError(.protocolViolation, "unreadable answer: \(error)", underlying: error))
            context.close(promise: nil)
            return
        }
        if envelope.requestID == 0, case .error(let error) = envelope.response {
            // Request id 0: the server speaks of the whole connection, which it is about to close.
            failAll(StockroomClientError(server: error))
            return
        }
        guard let answered = pending.removeValue(forKey: envelope.requestID) else {
            return  // its caller timed out and has moved on
        }
        answered.timeout.cancel()
        answered.promise.succeed(envelope.response)
    }

    func channelInactive(context: ChannelHandlerContext) {
        failAll(StockroomClientError(.connectionClosed, "the connection to the server closed"))
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        failAll(StockroomClientError(.connectionClosed, "the connection failed: \(error)", underlying: error))
        context.close(promise: nil)
    }

    private func nextRequestID() -> UInt32 {
        repeat {
            lastRequestID &+= 1
        } while lastRequestID == 0 || pending[lastRequestID] != nil
        return lastRequestID
    }

    private func fail(_ requestID: UInt32, _ error: StockroomClientError) {
        pending.removeValue(forKey: requestID)?.promise.fail(error)
    }

    private func failAll(_ error: StockroomClientError) {
        guard failure == nil else { return }
        failure = error
        let failed = pending
        pending = [:]
        for request in failed.values {
            request.timeout.cancel()
            request.promise.fail(error)
        }
    }
}

@available(*, unavailable)
extension ClientRequestHandler: Sendable {}
