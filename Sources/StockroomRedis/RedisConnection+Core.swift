// RedisConnection.Core: the event-loop-confined driver that connects, runs the handshake,
// routes commands to the current channel and reconnects.

import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

extension RedisConnection {
    /// Performs the actions of ``StateMachine``. Only ever used on its event loop.
    final class Core {
        private let configuration: RedisConfiguration
        private let eventLoop: any EventLoop
        private let logger: Logger
        private let connectedFlag: NIOLockedValueBox<Bool>
        private var stateMachine: StateMachine<RedisChannelHandler>
        private var startupPromise: EventLoopPromise<Void>?
        private var reconnectTask: Scheduled<Void>?
        private let seeds: [RedisNodeAddress]
        /// The seed being tried, or the one that answered.
        private(set) var address: RedisNodeAddress

        /// - Parameters:
        ///   - retriesFirstConnect: keep trying when the very first connect fails (a cluster's
        ///     connection to one node), instead of stopping after reporting it.
        init(
            configuration: RedisConfiguration,
            eventLoop: any EventLoop,
            logger: Logger,
            connectedFlag: NIOLockedValueBox<Bool>,
            retriesFirstConnect: Bool = false
        ) {
            self.configuration = configuration
            self.eventLoop = eventLoop
            self.logger = logger
            self.connectedFlag = connectedFlag
            self.seeds = configuration.seeds
            self.address = self.seeds[0]
            self.stateMachine = StateMachine(seedCount: self.seeds.count, retriesFirstConnect: retriesFirstConnect)
        }

        /// Whether commands go out right now (false while connecting or waiting to reconnect).
        var isReady: Bool { self.stateMachine.isReady }

        func start(promise: EventLoopPromise<Void>?) {
            self.startupPromise = promise
            switch self.stateMachine.start() {
            case .connect(let attempt, let seed):
                self.connect(attempt: attempt, seed: seed)
            }
        }

        func send(_ arguments: [String], timeout: TimeAmount?, promise: EventLoopPromise<RESPValue>) {
            switch self.stateMachine.send() {
            case .send(let handler):
                handler.send(arguments, timeout: timeout, promise: promise)
            case .fail(let error):
                promise.fail(error)
            }
        }

        func evalScript(_ request: EvalRequest, promise: EventLoopPromise<RESPValue>) {
            switch self.stateMachine.send() {
            case .send(let handler):
                handler.evalScript(request, promise: promise)
            case .fail(let error):
                promise.fail(error)
            }
        }

        /// A command of the cluster router's for this node, or a script with its follower; with
        /// `asking`, behind `ASKING` (an ASK redirect).
        func send(_ payload: ClusterNode.Payload, asking: Bool, promise: EventLoopPromise<RESPValue>) {
            switch self.stateMachine.send() {
            case .send(let handler):
                switch (payload, asking) {
                case (.command(let arguments, let timeout), false):
                    handler.send(arguments, timeout: timeout, promise: promise)
                case (.command(let arguments, let timeout), true):
                    handler.sendAsking(arguments, timeout: timeout, promise: promise)
                case (.script(let request), false):
                    handler.evalScript(request, promise: promise)
                case (.script(let request), true):
                    handler.evalScriptAsking(request, promise: promise)
                case (.scriptThen(let request, let follower), let asking):
                    self.evalScript(request, asking: asking, then: follower, on: handler, promise: promise)
                }
            case .fail(let error):
                promise.fail(error)
            }
        }

        /// EVALSHA, then `follower` on the same channel once the script has answered (after a NOSCRIPT
        /// reload too), so that a `WAIT` counts the script's writes; a channel lost in between fails
        /// it rather than sending the follower on a new one. Succeeds with `[script's reply, follower's]`.
        private func evalScript(
            _ request: EvalRequest, asking: Bool, then follower: [String], on handler: RedisChannelHandler,
            promise: EventLoopPromise<RESPValue>
        ) {
            let scriptReply = self.eventLoop.makePromise(of: RESPValue.self)
            if asking {
                handler.evalScriptAsking(request, promise: scriptReply)
            } else {
                handler.evalScript(request, promise: scriptReply)
            }
            let timeout = TimeAmount(self.configuration.commandTimeout)
            scriptReply.futureResult.assumeIsolated().whenComplete { result in
                switch result {
                case .failure(let error):
                    promise.fail(error)
                case .success(let reply):
                    let followerReply = self.eventLoop.makePromise(of: RESPValue.self)
                    handler.send(follower, timeout: timeout, promise: followerReply)
                    followerReply.futureResult.map { .array([reply, $0]) }.cascade(to: promise)
                }
            }
        }

        func close(promise: EventLoopPromise<Void>) {
            switch self.stateMachine.close() {
            case .closeConnection(let handler, let failStartup):
                self.setConnected(false)
                if failStartup {
                    self.failStartup(RedisError(.closed, "the Redis connection was closed while connecting"))
                }
                guard let handler else {
                    promise.succeed()
                    return
                }
                handler.close(error: RedisError(.closed, "the Redis connection was closed"))
                if let closeFuture = handler.closeFuture {
                    closeFuture.cascade(to: promise)
                } else {
                    promise.succeed()
                }
            case .cancelReconnectTimer:
                self.reconnectTask?.cancel()
                self.reconnectTask = nil
                promise.succeed()
            case .none:
                promise.succeed()
            }
            self.logger.debug("Redis connection closed by its owner")
        }

        // MARK: Connecting

        private func connect(attempt: Int, seed: Int) {
            self.address = self.seeds[seed]
            self.logger.debug("Connecting to Redis", metadata: ["sr.redis.attempt": "\(attempt)", "sr.redis.node": "\(self.address)"])
            guard let bootstrap = ClientBootstrap(validatingGroup: self.eventLoop) else {
                let error = RedisError(.notConnected, "RedisConnection needs a NIOPosix event loop (e.g. from MultiThreadedEventLoopGroup), got \(self.eventLoop)"
                )
                self.connectFailed(error)
                return
            }
            let commandTimeout = TimeAmount(self.configuration.commandTimeout)
            let logger = self.logger
            let connected =
                bootstrap
                .connectTimeout(TimeAmount(self.configuration.connectTimeout))
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(
                            RedisChannelHandler(commandTimeout: commandTimeout, logger: logger)
                        )
                    }
                }
            // An IP literal needs no resolver round trip.
            let future: EventLoopFuture<any Channel>
            if let address = try? SocketAddress(ipAddress: self.address.host, port: self.address.port) {
                future = connected.connect(to: address)
            } else {
                future = connected.connect(host: self.address.host, port: self.address.port)
            }
            future.assumeIsolated().whenComplete { result in
                switch result {
                case .success(let channel):
                    let handler: RedisChannelHandler
                    do {
                        handler = try channel.pipeline.syncOperations.handler(type: RedisChannelHandler.self)
                    } catch {
                        preconditionFailure("the Redis channel has no RedisChannelHandler: \(error)")
                    }
                    self.channelConnected(handler)
                case .failure(let error):
                    self.connectFailed(
                        RedisError(.notConnected, "cannot connect to Redis at \(self.addressURL): \(error)",
                            underlying: error
                        )
                    )
                }
            }
        }

        private func channelConnected(_ handler: RedisChannelHandler) {
            switch self.stateMachine.channelConnected(handler) {
            case .handshake(let handler):
                self.handshake(handler)
            case .close(let handler):
                handler.close(error: RedisError(.closed, "the Redis connection was closed"))
            }
        }

        /// AUTH, SELECT and SCRIPT LOADs, pipelined, then PING so that a server demanding a
        /// password we don't have is noticed now rather than on the first real command.
        private func handshake(_ handler: RedisChannelHandler) {
            var steps: [(label: String, expectedSHA1: String?, future: EventLoopFuture<RESPValue>)] = []
            func step(_ label: String, expectedSHA1: String? = nil, _ issue: (EventLoopPromise<RESPValue>) -> Void) {
                let promise = self.eventLoop.makePromise(of: RESPValue.self)
                issue(promise)
                steps.append((label, expectedSHA1, promise.futureResult))
            }
            let timeout = TimeAmount(self.configuration.commandTimeout)
            if let password = self.configuration.password {
                let arguments = self.configuration.username.map { ["AUTH", $0, password] } ?? ["AUTH", password]
                step("AUTH") { handler.send(arguments, timeout: timeout, promise: $0) }
            }
            if self.configuration.database != 0 {
                step("SELECT \(self.configuration.database)") {
                    handler.send(["SELECT", String(self.configuration.database)], timeout: timeout, promise: $0)
                }
            }
            for script in self.configuration.scripts {
                step("SCRIPT LOAD of script '\(script.name)'", expectedSHA1: script.sha1) {
                    handler.loadScript(script, promise: $0)
                }
            }
            step("PING") { handler.send(["PING"], timeout: timeout, promise: $0) }

            let labels = steps.map { ($0.label, $0.expectedSHA1) }
            EventLoopFuture.whenAllComplete(steps.map(\.future), on: self.eventLoop).assumeIsolated().whenSuccess { results in
                for ((label, expectedSHA1), result) in zip(labels, results) {
                    switch result {
                    case .failure(let error):
                        self.handshakeFailed(handler, step: label, error: error)
                        return
                    case .success(let reply):
                        if let expectedSHA1, reply.string != expectedSHA1 {
                            let error = RedisError(.protocolError, "SCRIPT LOAD returned \(reply), expected SHA-1 \(expectedSHA1)"
                            )
                            self.handshakeFailed(handler, step: label, error: error)
                            return
                        }
                    }
                }
                self.handshakeSucceeded(handler)
            }
        }

        private func handshakeFailed(_ handler: RedisChannelHandler, step: String, error: any Error) {
            var failure = RedisError(wrapping: error)
            failure.message = "\(step) failed on \(self.addressURL): \(failure.message)"
            handler.close(error: failure)
            self.connectFailed(failure)
        }

        private func handshakeSucceeded(_ handler: RedisChannelHandler) {
            switch self.stateMachine.handshakeSucceeded(handler) {
            case .becomeReady(let handler, let isFirst):
                self.setConnected(true)
                handler.closeFuture?.assumeIsolated().whenComplete { _ in
                    self.connectionLost(handler)
                }
                if isFirst {
                    self.logger.info("Connected to Redis")
                    self.startupPromise?.succeed()
                    self.startupPromise = nil
                } else {
                    self.logger.info("Reconnected to Redis")
                }
            case .close(let handler):
                handler.close(error: RedisError(.closed, "the Redis connection was closed"))
            }
        }

        private func connectFailed(_ error: RedisError) {
            self.perform(self.stateMachine.connectFailed(error))
        }

        private func connectionLost(_ handler: RedisChannelHandler) {
            self.perform(self.stateMachine.connectionLost(handler))
        }

        /// The address being used, as a URL without the password.
        private var addressURL: String {
            self.configuration.url(naming: [self.address])
        }

        private func perform(_ action: StateMachine<RedisChannelHandler>.FailureAction) {
            switch action {
            case .connectToNextSeed(let seed, let error):
                self.logger.info(
                    "Redis seed did not answer; trying the next",
                    metadata: ["sr.redis.error": "\(error.message)", "sr.redis.node": "\(self.seeds[seed])"]
                )
                self.connect(attempt: 0, seed: seed)
            case .failStartup(let error):
                self.logger.debug("Connecting to Redis failed", metadata: ["sr.redis.error": "\(error.message)"])
                self.failStartup(error)
            case .failStartupAndReconnect(let attempt, let error):
                self.failStartup(error)
                self.scheduleReconnect(attempt: attempt, after: error)
            case .scheduleReconnect(let attempt, let error):
                self.scheduleReconnect(attempt: attempt, after: error)
            case .none:
                break
            }
        }

        private func scheduleReconnect(attempt: Int, after error: RedisError) {
            self.setConnected(false)
            let delay = self.configuration.reconnectBackoff.delay(attempt: attempt)
            let metadata: Logger.Metadata = [
                "sr.redis.error": "\(error.message)",
                "sr.redis.attempt": "\(attempt)",
                "sr.redis.delay_ms": "\(delay.wholeMilliseconds)",
            ]
            if attempt == 0 || attempt == 1 {
                self.logger.warning("Redis connection lost or refused; reconnecting", metadata: metadata)
            } else {
                self.logger.debug("Redis still unreachable; retrying", metadata: metadata)
            }
            self.reconnectTask = self.eventLoop.assumeIsolated().scheduleTask(in: TimeAmount(delay)) {
                self.reconnectTimerFired()
            }
        }

        private func reconnectTimerFired() {
            self.reconnectTask = nil
            switch self.stateMachine.reconnectTimerFired() {
            case .connect(let attempt, let seed):
                self.connect(attempt: attempt, seed: seed)
            case .none:
                break
            }
        }

        private func failStartup(_ error: RedisError) {
            self.startupPromise?.fail(error)
            self.startupPromise = nil
        }

        private func setConnected(_ connected: Bool) {
            self.connectedFlag.withLockedValue { $0 = connected }
        }
    }
}

@available(*, unavailable)
extension RedisConnection.Core: Sendable {}
