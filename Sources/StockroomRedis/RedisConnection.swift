// RedisConnection: the public, thread-safe face of one self-healing Redis connection.

import Logging
import NIOConcurrencyHelpers
import NIOCore

/// One TCP connection to Redis that stays up: on loss, in-flight commands fail with
/// ``RedisError/Code/connectionClosed`` and it reconnects (exponential back-off with jitter) until
/// ``close()``. While disconnected, commands fail at once with ``RedisError/Code/notConnected``.
///
/// Commands are pipelined: any number may be in flight; replies are matched in order. Futures
/// complete on ``eventLoop``; calling from that event loop costs no thread hop.
///
/// Call ``close()`` when done: the connection keeps itself alive (and reconnecting) until then.
public final class RedisConnection: Sendable {
    public let eventLoop: any EventLoop
    public let configuration: RedisConfiguration
    private let core: NIOLoopBoundBox<Core>
    private let connectedFlag: NIOLockedValueBox<Bool>

    private init(configuration: RedisConfiguration, eventLoop: any EventLoop, logger: Logger) {
        var logger = logger
        logger[metadataKey: "sr.redis.url"] = "\(configuration.url)"
        let connectedFlag = NIOLockedValueBox(false)
        self.eventLoop = eventLoop
        self.configuration = configuration
        self.connectedFlag = connectedFlag
        self.core = NIOLoopBoundBox.makeBoxSendingValue(
            Core(configuration: configuration, eventLoop: eventLoop, logger: logger, connectedFlag: connectedFlag),
            eventLoop: eventLoop
        )
    }

    /// Connects (TCP, AUTH, SELECT, SCRIPT LOAD of `configuration.scripts`). The future succeeds
    /// after the first successful connect and fails with the first attempt's error, without retrying.
    public static func connect(
        configuration: RedisConfiguration,
        eventLoop: any EventLoop,
        logger: Logger
    ) -> EventLoopFuture<RedisConnection> {
        let connection = RedisConnection(configuration: configuration, eventLoop: eventLoop, logger: logger)
        let started = eventLoop.makePromise(of: Void.self)
        connection.onLoop { core in
            core.start(promise: started)
        }
        return started.futureResult.map { connection }
    }

    /// Whether commands are currently being sent (may be read from any thread; may change right after).
    public var isConnected: Bool {
        self.connectedFlag.withLockedValue { $0 }
    }

    /// Sends one command, e.g. `["HSET", "k", "f", "v"]`, with the configured command timeout.
    /// An error reply fails the future with ``RedisError/Code/errorReply``.
    public func send(_ arguments: [String]) -> EventLoopFuture<RESPValue> {
        self.send(arguments, timeout: self.configuration.commandTimeout)
    }

    /// Sends one command with its own timeout; `nil` waits forever (e.g. `XREADGROUP … BLOCK`
    /// on a dedicated connection).
    public func send(_ arguments: [String], timeout: Duration?) -> EventLoopFuture<RESPValue> {
        let promise = self.eventLoop.makePromise(of: RESPValue.self)
        // Spelled out rather than through onLoop: no closure is allocated on the hot, on-loop path.
        if self.eventLoop.inEventLoop {
            self.core.value.send(arguments, timeout: timeout.map(TimeAmount.init), promise: promise)
        } else {
            self.eventLoop.execute {
                self.core.value.send(arguments, timeout: timeout.map(TimeAmount.init), promise: promise)
            }
        }
        return promise.futureResult
    }

    /// EVALSHA of `script`. A script not yet loaded on this connection is loaded first (pipelined,
    /// no extra round trip); a NOSCRIPT reply (Redis restarted, SCRIPT FLUSH) loads it again and
    /// retries once.
    public func evalScript(_ script: RedisScript, keys: [String], arguments: [String]) -> EventLoopFuture<RESPValue> {
        let promise = self.eventLoop.makePromise(of: RESPValue.self)
        let request = EvalRequest(script: script, keys: keys, arguments: arguments)
        if self.eventLoop.inEventLoop {
            self.core.value.evalScript(request, promise: promise)
        } else {
            self.eventLoop.execute {
                self.core.value.evalScript(request, promise: promise)
            }
        }
        return promise.futureResult
    }

    /// Fails in-flight commands with ``RedisError/Code/closed``, closes the channel and stops
    /// reconnecting. Idempotent.
    public func close() -> EventLoopFuture<Void> {
        let promise = self.eventLoop.makePromise(of: Void.self)
        self.onLoop { core in
            core.close(promise: promise)
        }
        return promise.futureResult
    }

    private func onLoop(_ body: @escaping @Sendable (Core) -> Void) {
        if self.eventLoop.inEventLoop {
            body(self.core.value)
        } else {
            self.eventLoop.execute {
                body(self.core.value)
            }
        }
    }
}
