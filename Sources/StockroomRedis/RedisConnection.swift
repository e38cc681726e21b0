// RedisConnection: the public, thread-safe face of one self-healing Redis connection, to a single
// Redis or, transparently, to a Redis Cluster.

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
/// **Redis Cluster.** When the node it connects to says `cluster_enabled:1` (`INFO cluster`), the
/// connection reads the topology (`CLUSTER SHARDS`) and from then on sends each command to the
/// master serving its key's hash slot, over one pipelined connection per master on the same event
/// loop. It follows `MOVED` and `ASK`, retries `TRYAGAIN` and `CLUSTERDOWN` for up to about 2 s, and
/// resends a command only when Redis said it did not run it. A master that is down fails the
/// commands of its slots as unavailable, and the others keep working. See ``ClusterRouter``.
///
/// Call ``close()`` when done: the connection keeps itself alive (and reconnecting) until then.
public final class RedisConnection: Sendable {
    /// Where commands go: decided once, at connect.
    enum Routing {
        case single(Core)
        case cluster(ClusterRouter)
    }

    public let eventLoop: any EventLoop
    public let configuration: RedisConfiguration
    let routing: NIOLoopBoundBox<Routing>
    private let connectedFlag: NIOLockedValueBox<Bool>
    private let logger: Logger

    private init(configuration: RedisConfiguration, eventLoop: any EventLoop, logger: Logger) {
        var logger = logger
        logger[metadataKey: "sr.redis.url"] = "\(configuration.url)"
        let connectedFlag = NIOLockedValueBox(false)
        self.eventLoop = eventLoop
        self.configuration = configuration
        self.connectedFlag = connectedFlag
        self.logger = logger
        self.routing = NIOLoopBoundBox.makeBoxSendingValue(
            .single(Core(configuration: configuration, eventLoop: eventLoop, logger: logger, connectedFlag: connectedFlag)),
            eventLoop: eventLoop
        )
    }

    /// Connects (TCP, AUTH, SELECT, SCRIPT LOAD of `configuration.scripts`), trying the seeds in
    /// order, then finds out whether the server is a Redis Cluster node. The future succeeds after
    /// the first successful connect and fails with the last seed's error, without retrying.
    public static func connect(
        configuration: RedisConfiguration,
        eventLoop: any EventLoop,
        logger: Logger
    ) -> EventLoopFuture<RedisConnection> {
        let connection = RedisConnection(configuration: configuration, eventLoop: eventLoop, logger: logger)
        let started = eventLoop.makePromise(of: Void.self)
        if eventLoop.inEventLoop {
            connection.start(promise: started)
        } else {
            eventLoop.execute {
                connection.start(promise: started)
            }
        }
        return started.futureResult.map { connection }
    }

    /// Whether commands are currently being sent (may be read from any thread; may change right after).
    /// On a cluster: whether the connection to the node the topology was first read from is up.
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
            self.dispatch(arguments, timeout: timeout.map(TimeAmount.init), promise: promise)
        } else {
            self.eventLoop.execute {
                self.dispatch(arguments, timeout: timeout.map(TimeAmount.init), promise: promise)
            }
        }
        return promise.futureResult
    }

    /// EVALSHA of `script`. A script not yet loaded on this connection (on a cluster: on the node
    /// that serves the key) is loaded first (pipelined, no extra round trip); a NOSCRIPT reply
    /// (Redis restarted, SCRIPT FLUSH, a promoted replica) loads it again and retries once.
    public func evalScript(_ script: RedisScript, keys: [String], arguments: [String]) -> EventLoopFuture<RESPValue> {
        let promise = self.eventLoop.makePromise(of: RESPValue.self)
        let request = EvalRequest(script: script, keys: keys, arguments: arguments)
        if self.eventLoop.inEventLoop {
            self.dispatch(request, promise: promise)
        } else {
            self.eventLoop.execute {
                self.dispatch(request, promise: promise)
            }
        }
        return promise.futureResult
    }

    /// See ``run(_:then:)``: the pair comes back as a two-element array.
    func runThen(_ request: EvalRequest, follower: [String]) -> EventLoopFuture<RESPValue> {
        let promise = self.eventLoop.makePromise(of: RESPValue.self)
        if self.eventLoop.inEventLoop {
            self.dispatch(request, then: follower, promise: promise)
        } else {
            self.eventLoop.execute {
                self.dispatch(request, then: follower, promise: promise)
            }
        }
        return promise.futureResult
    }

    /// Fails in-flight commands with ``RedisError/Code/closed``, closes the channel(s) and stops
    /// reconnecting. Idempotent.
    public func close() -> EventLoopFuture<Void> {
        let promise = self.eventLoop.makePromise(of: Void.self)
        if self.eventLoop.inEventLoop {
            self.closeOnLoop(promise: promise)
        } else {
            self.eventLoop.execute {
                self.closeOnLoop(promise: promise)
            }
        }
        return promise.futureResult
    }

    // MARK: On the event loop

    private func dispatch(_ arguments: [String], timeout: TimeAmount?, promise: EventLoopPromise<RESPValue>) {
        switch self.routing.value {
        case .single(let core):
            core.send(arguments, timeout: timeout, promise: promise)
        case .cluster(let router):
            router.send(arguments, timeout: timeout, promise: promise)
        }
    }

    private func dispatch(_ request: EvalRequest, promise: EventLoopPromise<RESPValue>) {
        switch self.routing.value {
        case .single(let core):
            core.evalScript(request, promise: promise)
        case .cluster(let router):
            router.evalScript(request, promise: promise)
        }
    }

    private func dispatch(_ request: EvalRequest, then follower: [String], promise: EventLoopPromise<RESPValue>) {
        switch self.routing.value {
        case .single(let core):
            core.send(.scriptThen(request, follower: follower), asking: false, promise: promise)
        case .cluster(let router):
            router.evalScript(request, then: follower, promise: promise)
        }
    }

    private func closeOnLoop(promise: EventLoopPromise<Void>) {
        switch self.routing.value {
        case .single(let core):
            core.close(promise: promise)
        case .cluster(let router):
            router.close(promise: promise)
        }
    }

    private func start(promise: EventLoopPromise<Void>) {
        guard case .single(let core) = self.routing.value else {
            preconditionFailure("a RedisConnection is started exactly once, before any routing")
        }
        let connected = self.eventLoop.makePromise(of: Void.self)
        core.start(promise: connected)
        connected.futureResult.assumeIsolated().whenComplete { result in
            switch result {
            case .failure(let error):
                promise.fail(error)
            case .success:
                self.detectCluster(on: core, promise: promise)
            }
        }
    }

    /// `INFO cluster`, and on a cluster node `CLUSTER SHARDS`: a single Redis keeps `core` as it
    /// is; a cluster gets a router that starts from it.
    private func detectCluster(on core: Core, promise: EventLoopPromise<Void>) {
        guard self.configuration.discoversCluster else {
            promise.succeed()
            return
        }
        ClusterDiscovery.topology(on: core, eventLoop: self.eventLoop, timeout: TimeAmount(self.configuration.commandTimeout))
            .assumeIsolated().whenComplete { result in
                switch result {
                case .success(nil):
                    promise.succeed()
                case .success(let topology?):
                    let router = ClusterRouter(
                        configuration: self.configuration, eventLoop: self.eventLoop, logger: self.logger, seed: core, topology: topology
                    )
                    self.routing.value = .cluster(router)
                    self.logger.info("Redis is a cluster; routing commands by hash slot")
                    promise.succeed()
                case .failure(let error):
                    core.close(promise: self.eventLoop.makePromise(of: Void.self))
                    promise.fail(error)
                }
            }
    }
}
