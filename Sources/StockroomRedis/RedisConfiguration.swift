// RedisConfiguration: where Redis is, how to log in, timeouts, reconnect policy and scripts to preload.

import NIOCore

public struct RedisConfiguration: Sendable {
    public var host: String = "127.0.0.1"
    public var port: Int = 6379
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

    public init() {}

    /// The address as a `redis://` URL without the password, safe for logs.
    public var url: String {
        var url = "redis://"
        if let username {
            url += Self.percentEncode(username) + "@"
        }
        url += self.host.contains(":") ? "[\(self.host)]" : self.host
        url += ":\(self.port)"
        if self.database != 0 {
            url += "/\(self.database)"
        }
        return url
    }
}
