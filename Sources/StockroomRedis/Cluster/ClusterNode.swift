// ClusterNode: the cluster router's connection to one node, which holds commands until it first connects.

import Logging
import NIOConcurrencyHelpers
import NIOCore

/// One node's self-healing connection (a ``RedisConnection/Core`` for that node alone: the same
/// handshake, script loading, NOSCRIPT recovery and reconnects as a single-Redis connection).
///
/// A node is usually learned from a topology or a redirect and used at once, so commands sent before
/// its first connect finishes wait for it. If that connect fails they fail (unavailable) and the
/// connection keeps trying in the background, like any connection that was lost.
final class ClusterNode {
    /// What can be sent to a node.
    enum Payload {
        case command([String], timeout: TimeAmount?)
        case script(EvalRequest)
        /// The script, then `follower` on the channel that ran it; the reply is `[script's, follower's]`.
        case scriptThen(EvalRequest, follower: [String])
    }

    private struct Waiting {
        var payload: Payload
        var asking: Bool
        var promise: EventLoopPromise<RESPValue>
    }

    let address: RedisNodeAddress
    private let core: RedisConnection.Core
    /// Commands sent before the first connect finished; nil after it.
    private var waiting: [Waiting]?

    /// Opens a new connection to `address`.
    init(address: RedisNodeAddress, configuration: RedisConfiguration, eventLoop: any EventLoop, logger: Logger) {
        var logger = logger
        logger[metadataKey: "sr.redis.url"] = "\(configuration.url(naming: [address]))"
        self.address = address
        self.core = RedisConnection.Core(
            configuration: configuration.forNode(address),
            eventLoop: eventLoop,
            logger: logger,
            connectedFlag: NIOLockedValueBox(false),
            retriesFirstConnect: true
        )
        self.waiting = []
        let started = eventLoop.makePromise(of: Void.self)
        self.core.start(promise: started)
        started.futureResult.assumeIsolated().whenComplete { _ in
            self.firstConnectFinished()
        }
    }

    /// Takes over a connection that is already up (the seed the topology was read from).
    init(address: RedisNodeAddress, connected core: RedisConnection.Core) {
        self.address = address
        self.core = core
        self.waiting = nil
    }

    /// Whether commands go out right now.
    var isReady: Bool { self.waiting == nil && self.core.isReady }

    /// - Parameters:
    ///   - asking: send `ASKING` ahead of it (an ASK redirect).
    func send(_ payload: Payload, asking: Bool, promise: EventLoopPromise<RESPValue>) {
        if self.waiting != nil {
            self.waiting!.append(Waiting(payload: payload, asking: asking, promise: promise))
            return
        }
        self.core.send(payload, asking: asking, promise: promise)
    }

    func close(promise: EventLoopPromise<Void>) {
        self.core.close(promise: promise)
    }

    /// Sends what waited: to Redis if the connect worked, else into the connection's fast failure.
    private func firstConnectFinished() {
        guard let waiting = self.waiting else { return }
        self.waiting = nil
        for command in waiting {
            self.send(command.payload, asking: command.asking, promise: command.promise)
        }
    }
}

@available(*, unavailable)
extension ClusterNode: Sendable {}
