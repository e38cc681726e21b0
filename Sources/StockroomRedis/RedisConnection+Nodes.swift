// RedisConnection+Nodes: the few operator commands that are about nodes rather than keys — which
// node serves a key, a keyless command on that node, one command on every master.

import NIOCore

/// One node's answer to a command sent to every master.
public struct RedisNodeReply: Sendable {
    public var node: RedisNodeAddress
    public var result: Result<RESPValue, RedisError>

    /// `reply`, success or failure, as `node`'s answer: the future itself never fails.
    static func of(_ reply: EventLoopFuture<RESPValue>, from node: RedisNodeAddress) -> EventLoopFuture<RedisNodeReply> {
        reply.map { RedisNodeReply(node: node, result: .success($0)) }
            .recover { RedisNodeReply(node: node, result: .failure(RedisError(wrapping: $0))) }
    }
}

extension RedisConnection {
    /// The master that serves `key`'s hash slot now: on a single Redis the node connected to; nil on
    /// a cluster while no master serves the slot.
    public func node(serving key: String) async -> RedisNodeAddress? {
        await self.onLoop { routing in
            switch routing {
            case .single(let core):
                return core.address
            case .cluster(let router):
                return router.master(of: HashSlot.of(key: key))
            }
        }
    }

    /// Sends `arguments` to the master that serves `key`, even when the command names no key. This
    /// is how `SCAN … MATCH stockroom:{p3}:*` reaches the one node holding those keys, where a plain
    /// ``send(_:)`` would scan a fixed master.
    public func send(_ arguments: [String], onNodeServing key: String) -> EventLoopFuture<RESPValue> {
        let promise = self.eventLoop.makePromise(of: RESPValue.self)
        let timeout = TimeAmount(self.configuration.commandTimeout)
        self.eventLoop.execute {
            switch self.routing.value {
            case .single(let core):
                core.send(arguments, timeout: timeout, promise: promise)
            case .cluster(let router):
                router.send(arguments, slot: HashSlot.of(key: key), timeout: timeout, promise: promise)
            }
        }
        return promise.futureResult
    }

    /// Sends `arguments` to every master (a single Redis: to it), and gives each node's answer or
    /// failure: one node down does not hide the others' answers.
    public func sendToEveryMaster(_ arguments: [String]) -> EventLoopFuture<[RedisNodeReply]> {
        let promise = self.eventLoop.makePromise(of: [RedisNodeReply].self)
        let timeout = TimeAmount(self.configuration.commandTimeout)
        self.eventLoop.execute {
            switch self.routing.value {
            case .single(let core):
                let reply = self.eventLoop.makePromise(of: RESPValue.self)
                core.send(arguments, timeout: timeout, promise: reply)
                RedisNodeReply.of(reply.futureResult, from: core.address).map { [$0] }.cascade(to: promise)
            case .cluster(let router):
                router.sendToEveryMaster(arguments, timeout: timeout, promise: promise)
            }
        }
        return promise.futureResult
    }

    private func onLoop<Value: Sendable>(_ body: @escaping (Routing) -> Value) async -> Value {
        let promise = self.eventLoop.makePromise(of: Value.self)
        self.eventLoop.execute {
            promise.succeed(body(self.routing.value))
        }
        return try! await promise.futureResult.get()
    }
}
