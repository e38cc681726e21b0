// RedisScript: a named Lua script and its SHA-1, the name EVALSHA knows it by.

/// A Lua script run with ``RedisConnection/evalScript(_:keys:arguments:)``.
public struct RedisScript: Sendable, Hashable {
    // One reference instead of three strings: scripts are copied into every in-flight EVALSHA
    // entry (for the NOSCRIPT retry), so copies must be cheap.
    private final class Storage: Sendable {
        let name: String
        let source: String
        let sha1: String

        init(name: String, source: String) {
            self.name = name
            self.source = source
            self.sha1 = SHA1.hexDigest(of: source)
        }
    }

    private let storage: Storage

    /// A name for logs and error messages; Redis only knows the script by ``sha1``.
    public var name: String { self.storage.name }
    public var source: String { self.storage.source }
    /// Lower-case hex SHA-1 of ``source``, as `SCRIPT LOAD` returns it. Computed locally so that
    /// EVALSHA can be pipelined right behind a `SCRIPT LOAD` without waiting for its reply.
    public var sha1: String { self.storage.sha1 }

    public init(name: String, source: String) {
        self.storage = Storage(name: name, source: source)
    }

    public static func == (lhs: RedisScript, rhs: RedisScript) -> Bool {
        lhs.storage === rhs.storage || (lhs.name == rhs.name && lhs.source == rhs.source)
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(self.name)
        hasher.combine(self.sha1)
    }
}
