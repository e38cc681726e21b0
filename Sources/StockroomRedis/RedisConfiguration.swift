// RedisConfiguration: where Redis is, how to log in, timeouts, reconnect policy and scripts to preload.

import NIOCore

public struct RedisConfiguration: Sendable {
    /// The node connected to first.
    public var host: String = "127.0.0.1"
    public var port: Int = 6379
    /// More nodes to try, in order, when `host:port` does not answer at start-up (a URL's seed list
    /// `redis://h1:p1,h2:p2`). Which one answered first decides nothing else: on a Redis Cluster the
    /// topology is discovered from it; on a single Redis it is the server.
    public var moreSeeds: [RedisNodeAddress] = []
    public var username: String?
    public var password: String?
    public var database: Int = 0
    /// Bounds the TCP connect of every (re)connect attempt.
    public var connectTimeout: Duration = .seconds(2)
    /// A reply later than this fails its command with ``RedisError/Code/timeout`` and closes the
    /// connection, which then reconnects: after a lost reply, later replies can't be matched to
    /// their commands any more. Also bounds each step of the AUTH/SELECT/SCRIPT LOAD handshake.
    public var commandTimeout: Duration = .seconds(5)
    public var reconnectBackoff: Backoff = .init(initial: .milliseconds(50), maximum: .seconds(2), multiplier: 2)
    /// Loaded with SCRIPT LOAD on every (re)connect, before the connection counts as ready.
    public var scripts: [RedisScript] = []
    /// Whether a Redis Cluster node is recognised as one (`INFO cluster` at connect), so that
    /// commands are routed by hash slot. When false the node is treated as a single Redis: commands
    /// go to it alone and a MOVED comes back as an error, as in `redis-cli` without `-c` (for
    /// operators and tests that must talk to one particular node).
    public var discoversCluster = true

    public init() {}

    /// Every node to try at start-up, in order: `host:port`, then ``moreSeeds``.
    public var seeds: [RedisNodeAddress] {
        [RedisNodeAddress(host: self.host, port: self.port)] + self.moreSeeds
    }

    /// The address as a `redis://` URL without the password, safe for logs.
    public var url: String {
        self.url(naming: self.seeds)
    }

    /// The same settings for one node alone: a cluster's connection to one of its nodes.
    func forNode(_ node: RedisNodeAddress) -> RedisConfiguration {
        var configuration = self
        configuration.host = node.host
        configuration.port = node.port
        configuration.moreSeeds = []
        return configuration
    }

    func url(naming nodes: [RedisNodeAddress]) -> String {
        var url = "redis://"
        if let username {
            url += Self.percentEncode(username) + "@"
        }
        url += nodes.map(\.description).joined(separator: ",")
        if self.database != 0 {
            url += "/\(self.database)"
        }
        return url
    }
}
