// RedisNodeAddress: one Redis server's host and port, as seed lists and cluster redirects name it.

/// Where one Redis server listens. Cluster replies (`MOVED 3999 127.0.0.1:7001`, `CLUSTER SHARDS`)
/// name nodes this way, so it is also the key the cluster router keeps its connections under.
public struct RedisNodeAddress: Sendable, Hashable, CustomStringConvertible {
    public var host: String
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// Parses `host:port` as Redis writes it in redirects; the port is after the last colon, so an
    /// IPv6 host (`::1:7001`, or `[::1]:7001`) works too.
    public init?(redirectTarget text: Substring) {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]),
            (1...65535).contains(port)
        else { return nil }
        var host = text[..<colon]
        if host.hasPrefix("["), host.hasSuffix("]") {
            host = host.dropFirst().dropLast()
        }
        guard !host.isEmpty else { return nil }
        self.init(host: String(host), port: port)
    }

    /// `host:port`, with an IPv6 host in brackets.
    public var description: String {
        (self.host.contains(":") ? "[\(self.host)]" : self.host) + ":\(self.port)"
    }
}
