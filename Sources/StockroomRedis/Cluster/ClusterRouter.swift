// ClusterRouter: sends each command to the master that owns its key's hash slot, follows MOVED and
// ASK, retries TRYAGAIN and CLUSTERDOWN within a budget, and keeps the slot map fresh.

import Logging
import NIOCore

/// The cluster side of a ``RedisConnection``: one pipelined ``ClusterNode`` connection per master
/// (and per node it had to ask for the topology), all on the connection's event loop, so routing
/// costs a table lookup and no thread hop.
///
/// Keyless commands (`PING`, `INFO`, `TIME`, `SCAN`, `SCRIPT …`, `WAIT` …) go to one fixed master,
/// the one serving slot 0 (or the lowest served slot), or while its connection is down, to another. `SCRIPT LOAD` is not sent to every master:
/// scripts reach each master through its own connection, which loads the configured scripts when it
/// connects and any other script on first use or after NOSCRIPT (a promoted replica). `SCAN` and
/// `KEYS` therefore see that master's keys only (``send(_:slot:timeout:promise:)`` scans the master
/// of one hash tag, ``sendToEveryMaster(_:timeout:promise:)`` asks them all), and a `WAIT` sent on its own counts what this
/// connection wrote to that master only: it confirms nothing about a write that went to another
/// (``RedisConnection/run(_:then:)`` sends it where the script ran).
///
/// Decisions live in ``ClusterReplyPolicy`` (what a failed attempt means) and
/// ``TopologyRefreshLimiter`` (when to re-read the map); this class only carries them out.
final class ClusterRouter {
    /// A command on its way, with what it has been through.
    private struct Routed {
        var payload: ClusterNode.Payload
        /// nil for a keyless command.
        var slot: Int?
        var promise: EventLoopPromise<RESPValue>
        var progress = ClusterReplyPolicy.Progress()
    }

    private let configuration: RedisConfiguration
    private let eventLoop: any EventLoop
    private let logger: Logger
    private let policy = ClusterReplyPolicy()
    private var nodes: [ClusterNode] = []
    private var nodeIndexes: [RedisNodeAddress: Int] = [:]
    /// For each slot, the index in `nodes` of its master; -1 while no master serves it.
    private var slotOwners = [Int16](repeating: -1, count: HashSlot.count)
    /// Where keyless commands go.
    private var keylessOwner: Int?
    private var topology = ClusterTopology(shards: [])
    private var refreshLimiter = TopologyRefreshLimiter()
    private var refreshTimer: Scheduled<Void>?
    private var isClosed = false
    private var random = SystemRandomNumberGenerator()

    /// - Parameters:
    ///   - seed: the connection the topology was read from; it becomes that node's connection.
    init(
        configuration: RedisConfiguration,
        eventLoop: any EventLoop,
        logger: Logger,
        seed: RedisConnection.Core,
        topology: ClusterTopology
    ) {
        self.configuration = configuration
        self.eventLoop = eventLoop
        self.logger = logger
        self.nodes = [ClusterNode(address: seed.address, connected: seed)]
        self.nodeIndexes = [seed.address: 0]
        self.apply(topology)
    }

    // MARK: Commands

    func send(_ arguments: [String], timeout: TimeAmount?, promise: EventLoopPromise<RESPValue>) {
        let slot = CommandKey.of(arguments).map(HashSlot.of(key:))
        self.route(Routed(payload: .command(arguments, timeout: timeout), slot: slot, promise: promise))
    }

    /// A command, keyless or not, to the master of `slot` (a `SCAN … MATCH` of one hash tag's keys).
    func send(_ arguments: [String], slot: Int, timeout: TimeAmount?, promise: EventLoopPromise<RESPValue>) {
        self.route(Routed(payload: .command(arguments, timeout: timeout), slot: slot, promise: promise))
    }

    /// The same command to every master of the current map, each answer (or failure) under its node.
    /// No redirects are followed: a keyless command is answered by the node it reaches.
    func sendToEveryMaster(_ arguments: [String], timeout: TimeAmount?, promise: EventLoopPromise<[RedisNodeReply]>) {
        let answers = self.topology.masters.map { address in
            let reply = self.eventLoop.makePromise(of: RESPValue.self)
            self.nodes[self.index(of: address)].send(.command(arguments, timeout: timeout), asking: false, promise: reply)
            return RedisNodeReply.of(reply.futureResult, from: address)
        }
        EventLoopFuture.whenAllSucceed(answers, on: self.eventLoop).cascade(to: promise)
    }

    /// The master serving `slot` in the current map; nil while none does.
    func master(of slot: Int) -> RedisNodeAddress? {
        let owner = Int(self.slotOwners[slot])
        return owner >= 0 ? self.nodes[owner].address : nil
    }

    func evalScript(_ request: EvalRequest, promise: EventLoopPromise<RESPValue>) {
        let slot = request.keys.first.map(HashSlot.of(key:))
        self.route(Routed(payload: .script(request), slot: slot, promise: promise))
    }

    /// The script, then `follower` on the connection of the master that ran it (after any redirect).
    func evalScript(_ request: EvalRequest, then follower: [String], promise: EventLoopPromise<RESPValue>) {
        let slot = request.keys.first.map(HashSlot.of(key:))
        self.route(Routed(payload: .scriptThen(request, follower: follower), slot: slot, promise: promise))
    }

    func close(promise: EventLoopPromise<Void>) {
        self.isClosed = true
        self.refreshTimer?.cancel()
        self.refreshTimer = nil
        let closed = self.nodes.map { node in
            let nodeClosed = self.eventLoop.makePromise(of: Void.self)
            node.close(promise: nodeClosed)
            return nodeClosed.futureResult
        }
        EventLoopFuture.andAllComplete(closed, on: self.eventLoop).cascade(to: promise)
    }

    private func route(_ command: Routed) {
        guard !self.isClosed else {
            command.promise.fail(RedisError(.closed, "the Redis connection was closed"))
            return
        }
        let owner = command.slot.map { Int(self.slotOwners[$0]) } ?? self.keylessTarget() ?? -1
        guard owner >= 0 else {
            self.requestRefresh()
            let what = command.slot.map { "slot \($0)" } ?? "keyless commands"
            command.promise.fail(RedisError(.clusterDown, "no master of the Redis Cluster serves \(what)"))
            return
        }
        self.attempt(command, on: self.nodes[owner], asking: false)
    }

    /// Where a keyless command goes: the master of the lowest slot while its connection is up, else
    /// another master whose connection is (a dead master must not take `TIME` or `INFO` down with it).
    private func keylessTarget() -> Int? {
        if let owner = self.keylessOwner, self.nodes[owner].isReady {
            return owner
        }
        let ready = self.topology.masters.lazy.compactMap { self.nodeIndexes[$0] }.first { self.nodes[$0].isReady }
        return ready ?? self.keylessOwner
    }

    private func attempt(_ command: Routed, on node: ClusterNode, asking: Bool) {
        let reply = self.eventLoop.makePromise(of: RESPValue.self)
        node.send(command.payload, asking: asking, promise: reply)
        reply.futureResult.assumeIsolated().whenComplete { result in
            switch result {
            case .success(let value):
                command.promise.succeed(value)
            case .failure(let error):
                self.attemptFailed(command, error: error)
            }
        }
    }

    private func attemptFailed(_ command: Routed, error: any Error) {
        let error = RedisError(wrapping: error)
        guard !self.isClosed else {
            command.promise.fail(error)
            return
        }
        var command = command
        switch self.policy.decide(error, progress: &command.progress, now: .now(), using: &self.random) {
        case .deliver(let refreshTopology):
            if refreshTopology {
                self.requestRefresh()
            }
            command.promise.fail(error)
        case .moved(let slot, let address):
            let owner = self.index(of: address)
            self.slotOwners[slot] = Int16(owner)
            self.requestRefresh()
            self.attempt(command, on: self.nodes[owner], asking: false)
        case .ask(let address):
            self.attempt(command, on: self.nodes[self.index(of: address)], asking: true)
        case .retry(let delay):
            self.requestRefresh()
            self.eventLoop.assumeIsolated().scheduleTask(in: delay) {
                self.route(command)
            }
        case .fail(let failure):
            command.promise.fail(failure)
        }
    }

    /// The node connection for `address`, opened now if there is none yet.
    private func index(of address: RedisNodeAddress) -> Int {
        if let index = self.nodeIndexes[address] {
            return index
        }
        let node = ClusterNode(address: address, configuration: self.configuration, eventLoop: self.eventLoop, logger: self.logger)
        self.nodes.append(node)
        self.nodeIndexes[address] = self.nodes.count - 1
        return self.nodes.count - 1
    }

    // MARK: Topology

    private func apply(_ topology: ClusterTopology) {
        var owners = [Int16](repeating: -1, count: HashSlot.count)
        var lowestSlot = HashSlot.count
        var keylessOwner: Int?
        for shard in topology.shards {
            let owner = self.index(of: shard.master)
            for range in shard.slots {
                for slot in range {
                    owners[slot] = Int16(owner)
                }
                if range.lowerBound < lowestSlot {
                    lowestSlot = range.lowerBound
                    keylessOwner = owner
                }
            }
        }
        self.slotOwners = owners
        self.keylessOwner = keylessOwner
        if topology != self.topology {
            self.logger.info(
                "Redis Cluster topology",
                metadata: ["sr.redis.masters": "\(topology.masters.map(\.description).joined(separator: ","))"]
            )
        }
        self.topology = topology
    }

    private func requestRefresh() {
        guard !self.isClosed else { return }
        self.perform(self.refreshLimiter.request(now: .now()))
    }

    private func perform(_ action: TopologyRefreshLimiter.Action) {
        switch action {
        case .start:
            self.refreshTopology()
        case .schedule(let deadline):
            self.refreshTimer = self.eventLoop.assumeIsolated().scheduleTask(deadline: deadline) {
                self.refreshTimer = nil
                self.perform(self.refreshLimiter.timerFired(now: .now()))
            }
        case .none:
            break
        }
    }

    /// Asks the nodes in turn until one answers CLUSTER SHARDS: the reachable ones first, then the
    /// others, then replicas and seeds not connected yet (after a master died, any survivor knows
    /// which replica took over).
    private func refreshTopology() {
        var candidates = self.nodes.filter(\.isReady).map(\.address)
        for address in self.nodes.map(\.address) + self.topology.replicas + self.configuration.seeds
        where !candidates.contains(address) {
            candidates.append(address)
        }
        self.readTopology(from: candidates[...], lastError: nil)
    }

    private func readTopology(from candidates: ArraySlice<RedisNodeAddress>, lastError: (any Error)?) {
        guard !self.isClosed else { return }
        guard let address = candidates.first else {
            self.logger.warning(
                "No Redis Cluster node answered CLUSTER SHARDS; keeping the slot map",
                metadata: ["sr.redis.error": "\(lastError.map { "\($0)" } ?? "none")"]
            )
            self.perform(self.refreshLimiter.finished(now: .now()))
            return
        }
        let reply = self.eventLoop.makePromise(of: RESPValue.self)
        let timeout = TimeAmount(self.configuration.commandTimeout)
        self.nodes[self.index(of: address)].send(.command(["CLUSTER", "SHARDS"], timeout: timeout), asking: false, promise: reply)
        reply.futureResult.assumeIsolated().whenComplete { result in
            guard !self.isClosed else { return }
            do {
                let topology = try ClusterTopology(shardsReply: try result.get())
                guard !topology.shards.isEmpty else {
                    throw RedisError(.clusterDown, "\(address) knows no master serving any slot")
                }
                self.apply(topology)
                self.perform(self.refreshLimiter.finished(now: .now()))
            } catch {
                self.readTopology(from: candidates.dropFirst(), lastError: error)
            }
        }
    }
}

@available(*, unavailable)
extension ClusterRouter: Sendable {}
