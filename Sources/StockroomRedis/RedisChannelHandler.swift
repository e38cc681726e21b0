// RedisChannelHandler: encodes commands into one outbound buffer flushed once per event-loop tick,
// parses replies with hiredis and completes the matching promises, in order.

import Logging
import NIOCore

/// The only handler in a Redis channel's pipeline. Everything happens on the channel's event loop;
/// decisions are made by ``StateMachine``, this class only performs its actions.
final class RedisChannelHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private var stateMachine = StateMachine<EventLoopPromise<RESPValue>>()
    private let reader = RESPReader()
    private let commandTimeout: TimeAmount
    private let logger: Logger
    private var context: ChannelHandlerContext?
    /// Commands encoded since the last flush; written in one go so pipelined commands cost one syscall.
    private var outbound = ByteBuffer()
    private var flushScheduled = false
    /// The clock read once per batch: commands of one tick share a deadline start, which saves a
    /// clock_gettime per command and is off by microseconds at most.
    private var batchStart: NIODeadline?
    private var timeoutTask: Scheduled<Void>?
    /// Scripts already sent with SCRIPT LOAD on this connection (Redis forgets them on restart, so a
    /// new connection starts empty).
    private var loadedScripts: Set<String> = []
    private(set) var closeFuture: EventLoopFuture<Void>?

    private static let feedChunkSize = 4096

    init(commandTimeout: TimeAmount, logger: Logger) {
        self.commandTimeout = commandTimeout
        self.logger = logger
    }

    // MARK: Commands (called on the event loop)

    func send(_ arguments: [String], timeout: TimeAmount?, promise: EventLoopPromise<RESPValue>) {
        guard !arguments.isEmpty else {
            promise.fail(RedisError(.protocolError, "a Redis command needs at least one argument"))
            return
        }
        self.enqueue(.command(promise), timeout: timeout) { buffer in
            buffer.writeRESPCommand(arguments)
        }
    }

    func evalScript(_ request: EvalRequest, promise: EventLoopPromise<RESPValue>) {
        self.preloadIfNeeded(request.script)
        self.enqueue(.evalScript(promise, request, isRetry: false), timeout: self.commandTimeout) { buffer in
            buffer.writeRESPEvalSHA(sha1: request.script.sha1, keys: request.keys, arguments: request.arguments)
        }
    }

    /// `ASKING`, then the command (a cluster's ASK redirect: the flag covers only the next command).
    func sendAsking(_ arguments: [String], timeout: TimeAmount?, promise: EventLoopPromise<RESPValue>) {
        self.enqueueAsking()
        self.send(arguments, timeout: timeout, promise: promise)
    }

    /// `ASKING`, then the EVALSHA; a SCRIPT LOAD it needs goes before the ASKING, not between.
    func evalScriptAsking(_ request: EvalRequest, promise: EventLoopPromise<RESPValue>) {
        self.preloadIfNeeded(request.script)
        self.enqueueAsking()
        self.evalScript(request, promise: promise)
    }

    private func enqueueAsking() {
        self.enqueue(.asking, timeout: self.commandTimeout) { buffer in
            buffer.writeRESPCommand(["ASKING"])
        }
    }

    private func preloadIfNeeded(_ script: RedisScript) {
        let sha1 = script.sha1
        guard !self.loadedScripts.contains(sha1) else { return }
        // Pipelined ahead of the EVALSHA: Redis runs commands in order, so the script exists by then.
        self.loadedScripts.insert(sha1)
        let source = script.source
        self.enqueue(.preloadScript(sha1: sha1), timeout: self.commandTimeout) { buffer in
            buffer.writeRESPCommand(["SCRIPT", "LOAD", source])
        }
    }

    /// SCRIPT LOAD whose result the caller checks (the connect handshake).
    func loadScript(_ script: RedisScript, promise: EventLoopPromise<RESPValue>) {
        self.loadedScripts.insert(script.sha1)
        self.send(["SCRIPT", "LOAD", script.source], timeout: self.commandTimeout, promise: promise)
    }

    /// Fails everything in flight with `error` and closes the channel; later commands fail with `error` too.
    func close(error: RedisError) {
        self.perform(self.stateMachine.close(failingWith: error, rejectWith: error))
    }

    private func enqueue(
        _ target: ReplyTarget<EventLoopPromise<RESPValue>>,
        timeout: TimeAmount?,
        encode: (inout ByteBuffer) -> Void
    ) {
        var deadline: NIODeadline?
        if let timeout {
            let now = self.batchStart ?? NIODeadline.now()
            self.batchStart = now
            deadline = now + timeout
        }
        switch self.stateMachine.enqueue(target, deadline: deadline) {
        case .write(let armTimerAt):
            encode(&self.outbound)
            if let armTimerAt {
                self.armTimer(at: armTimerAt)
            }
            self.scheduleFlush()
        case .reject(let target, let error):
            target.promise?.fail(error)
        }
    }

    private func scheduleFlush() {
        guard !self.flushScheduled, let context = self.context else { return }
        self.flushScheduled = true
        // Runs after the I/O of this loop iteration, so every command issued meanwhile (e.g. from
        // all the frames read from clients in this tick) shares one write.
        context.eventLoop.assumeIsolated().execute {
            self.flush()
        }
    }

    private func flush() {
        self.flushScheduled = false
        self.batchStart = nil
        guard let context = self.context, self.outbound.readableBytes > 0, !self.stateMachine.isClosed else {
            return
        }
        context.writeAndFlush(self.wrapOutboundOut(self.outbound), promise: nil)
        if self.outbound.capacity > 1 << 20 {
            // Don't keep a huge buffer around after one big command.
            self.outbound = context.channel.allocator.buffer(capacity: 16 << 10)
        } else {
            // Reuses the storage when the socket took all bytes at once (the usual case).
            self.outbound.clear()
        }
    }

    // MARK: Timeouts

    private func armTimer(at deadline: NIODeadline) {
        guard let context = self.context else { return }
        self.timeoutTask?.cancel()
        self.timeoutTask = context.eventLoop.assumeIsolated().scheduleTask(deadline: deadline) {
            self.timerFired()
        }
    }

    private func timerFired() {
        self.timeoutTask = nil
        switch self.stateMachine.timerFired(now: .now()) {
        case .none:
            break
        case .arm(let deadline):
            self.armTimer(at: deadline)
        case .timeoutAndClose(let timedOut, let others):
            self.logger.warning(
                "Redis command timed out; closing the connection",
                metadata: ["sr.redis.timed_out": "\(timedOut.count)", "sr.redis.in_flight": "\(timedOut.count + others.count)"]
            )
            self.discardOutbound()
            let timeoutError = StateMachine<EventLoopPromise<RESPValue>>.timeoutError
            let closedError = StateMachine<EventLoopPromise<RESPValue>>.closedByTimeoutError
            for promise in timedOut {
                promise.fail(timeoutError)
            }
            for promise in others {
                promise.fail(closedError)
            }
            self.context?.close(promise: nil)
        }
    }

    // MARK: Channel events

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        self.outbound = context.channel.allocator.buffer(capacity: 16 << 10)
        self.closeFuture = context.channel.closeFuture
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.perform(self.stateMachine.channelInactive())
        self.context = nil
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.perform(self.stateMachine.channelInactive())
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        self.logger.debug("Redis connection error", metadata: ["sr.redis.error": "\(error)"])
        let failure = RedisError(.connectionClosed, "connection to Redis failed: \(error)", underlying: error)
        self.perform(self.stateMachine.close(failingWith: failure, rejectWith: StateMachine<EventLoopPromise<RESPValue>>.notConnected))
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var buffer = self.unwrapInboundIn(data)
        do throws(RedisError) {
            // hiredis moves its unread bytes to the front after every 1 KiB consumed, so feeding a
            // 64 KiB read of small pipelined replies at once would copy it over and over.
            while let chunk = buffer.readSlice(length: min(buffer.readableBytes, Self.feedChunkSize)), chunk.readableBytes > 0 {
                try self.reader.feed(chunk)
                while let reply = try self.reader.next() {
                    self.perform(self.stateMachine.replyReceived(reply))
                }
            }
        } catch {
            self.logger.error("Redis sent unparsable data; closing the connection", metadata: ["sr.redis.error": "\(error.message)"])
            self.perform(self.stateMachine.close(failingWith: error, rejectWith: StateMachine<EventLoopPromise<RESPValue>>.notConnected))
        }
    }

    // MARK: Actions

    private func perform(_ action: StateMachine<EventLoopPromise<RESPValue>>.ReplyAction) {
        switch action {
        case .succeed(let promise, let reply):
            promise.succeed(reply)
        case .fail(let promise, let error):
            promise.fail(error)
        case .reloadScript(let promise, let request):
            self.logger.debug("Redis answered NOSCRIPT; loading the script again", metadata: ["sr.redis.script": "\(request.script.name)"])
            self.loadedScripts.insert(request.script.sha1)
            let source = request.script.source
            self.enqueue(.reloadScript(promise, request), timeout: self.commandTimeout) { buffer in
                buffer.writeRESPCommand(["SCRIPT", "LOAD", source])
            }
        case .retryEval(let promise, let request):
            self.enqueue(.evalScript(promise, request, isRetry: true), timeout: self.commandTimeout) { buffer in
                buffer.writeRESPEvalSHA(sha1: request.script.sha1, keys: request.keys, arguments: request.arguments)
            }
        case .forgetScript(let sha1, let message):
            self.loadedScripts.remove(sha1)
            self.logger.debug("SCRIPT LOAD failed", metadata: ["sr.redis.sha": "\(sha1)", "sr.redis.error": "\(message)"])
        case .failAllAndClose(let pending, let error):
            self.perform(.failAll(pending, error, closeChannel: true))
        case .none:
            break
        }
    }

    private func perform(_ action: StateMachine<EventLoopPromise<RESPValue>>.CloseAction) {
        switch action {
        case .none:
            break
        case .failAll(let pending, let error, let closeChannel):
            self.timeoutTask?.cancel()
            self.timeoutTask = nil
            self.discardOutbound()
            for entry in pending {
                entry.target.promise?.fail(error)
            }
            if closeChannel {
                self.context?.close(promise: nil)
            }
        }
    }

    private func discardOutbound() {
        self.outbound.clear()
    }
}

@available(*, unavailable)
extension RedisChannelHandler: Sendable {}
