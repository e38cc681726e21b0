// ClusterDiscovery: whether a freshly connected node is part of a Redis Cluster, and its topology.

import NIOCore

enum ClusterDiscovery {
    /// nil for a single Redis (`cluster_enabled:0`, or INFO refused, e.g. by an ACL); the
    /// topology from `CLUSTER SHARDS` for a cluster node.
    static func topology(on core: RedisConnection.Core, eventLoop: any EventLoop, timeout: TimeAmount) -> EventLoopFuture<ClusterTopology?> {
        let info = eventLoop.makePromise(of: RESPValue.self)
        core.send(["INFO", "cluster"], timeout: timeout, promise: info)
        return info.futureResult.assumeIsolated().flatMapError { error in
            guard let error = error as? RedisError, error.code == .errorReply else {
                return eventLoop.makeFailedFuture(error)
            }
            return eventLoop.makeSucceededFuture(.null)
        }.flatMap { reply -> EventLoopFuture<ClusterTopology?> in
            guard reply.string?.contains("cluster_enabled:1") == true else {
                return eventLoop.makeSucceededFuture(nil)
            }
            let shards = eventLoop.makePromise(of: RESPValue.self)
            core.send(["CLUSTER", "SHARDS"], timeout: timeout, promise: shards)
            return shards.futureResult.assumeIsolated().flatMapThrowing { reply -> ClusterTopology? in
                let topology = try ClusterTopology(shardsReply: reply)
                guard !topology.shards.isEmpty else {
                    throw RedisError(.clusterDown, "the Redis Cluster at \(core.address) has no master serving any slot")
                }
                return topology
            }.nonisolated()
        }.nonisolated()
    }
}
