// ClusterTopology: which master serves which slots, read from CLUSTER SHARDS (Redis 7.0).

/// The shards of a Redis Cluster as one node sees them.
///
/// ```
/// CLUSTER SHARDS → [ shard … ]
///   shard: [ "slots", [start, end, start, end …], "nodes", [ node … ] ]
///   node:  [ "id", …, "port", 7001, "ip", "127.0.0.1", "endpoint", "127.0.0.1", "role", "master", "health", "online", … ]
/// ```
struct ClusterTopology: Sendable, Equatable {
    struct Shard: Sendable, Equatable {
        var slots: [ClosedRange<Int>]
        var master: RedisNodeAddress
        var replicas: [RedisNodeAddress]
    }

    var shards: [Shard]

    var masters: [RedisNodeAddress] { self.shards.map(\.master) }
    var replicas: [RedisNodeAddress] { self.shards.flatMap(\.replicas) }

    init(shards: [Shard]) {
        self.shards = shards
    }

    /// Parses a `CLUSTER SHARDS` reply. Shards without a master (every node failed) or without
    /// slots are left out: no command can go there.
    init(shardsReply reply: RESPValue) throws(RedisError) {
        func malformed(_ what: String) -> RedisError {
            RedisError(.protocolError, "unexpected CLUSTER SHARDS reply (\(what)): \(reply)")
        }
        guard let shardReplies = reply.array else { throw malformed("not an array") }
        var shards: [Shard] = []
        for shardReply in shardReplies {
            let shard = try Self.fields(of: shardReply, malformed)
            guard let bounds = shard["slots"]?.array?.compactMap(\.int), bounds.count % 2 == 0,
                let nodeReplies = shard["nodes"]?.array
            else { throw malformed("a shard without slots or nodes") }
            var ranges: [ClosedRange<Int>] = []
            for index in stride(from: 0, to: bounds.count, by: 2) {
                let (start, end) = (Int(bounds[index]), Int(bounds[index + 1]))
                guard 0 <= start, start <= end, end < HashSlot.count else { throw malformed("slot range \(start)-\(end)") }
                ranges.append(start...end)
            }
            var master: RedisNodeAddress?
            var replicas: [RedisNodeAddress] = []
            for nodeReply in nodeReplies {
                let node = try Self.fields(of: nodeReply, malformed)
                guard let port = node["port"]?.int, let host = Self.host(of: node) else { throw malformed("a node without address") }
                let address = RedisNodeAddress(host: host, port: Int(port))
                if node["role"]?.string == "master" {
                    master = address
                } else {
                    replicas.append(address)
                }
            }
            if let master, !ranges.isEmpty {
                shards.append(Shard(slots: ranges, master: master, replicas: replicas))
            }
        }
        self.init(shards: shards)
    }

    /// The address clients are told to use: the endpoint (what MOVED names), else the IP.
    private static func host(of node: [String: RESPValue]) -> String? {
        if let endpoint = node["endpoint"]?.string, !endpoint.isEmpty, endpoint != "?" {
            return endpoint
        }
        return node["ip"]?.string
    }

    /// A flat `[name, value, name, value …]` map whose values may be numbers or arrays.
    private static func fields(of reply: RESPValue, _ malformed: (String) -> RedisError) throws(RedisError) -> [String: RESPValue] {
        guard let flat = reply.array, flat.count % 2 == 0 else { throw malformed("not a field map") }
        var fields: [String: RESPValue] = [:]
        for index in stride(from: 0, to: flat.count, by: 2) {
            guard let name = flat[index].string else { throw malformed("a field name that is not text") }
            fields[name] = flat[index + 1]
        }
        return fields
    }
}
