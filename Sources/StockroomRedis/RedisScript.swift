// RedisScript: a named Lua script and its SHA-1, the name EVALSHA knows it by.

/// A Lua script run with ``RedisConnection/evalScript(_:keys:arguments:)``.
public struct RedisScript: Sendable, Hashable {
    /// A name for logs and error messages; Redis only knows the script by ``sha1``.
    public let name: String
    public let source: String
    /// Lower-case hex SHA-1 of ``source``, as `SCRIPT LOAD` returns it. Computed locally so that
    /// EVALSHA can be pipelined right behind a `SCRIPT LOAD` without waiting for its reply.
    public let sha1: String

    public init(name: String, source: String) {
        self.name = name
        self.source = source
        self.sha1 = SHA1.hexDigest(of: source)
    }
}
