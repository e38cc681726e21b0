// RedisError: the one error type every StockroomRedis API fails with.

import StockroomErrors

/// An error from ``RedisConnection``. Switch on ``code``; ``message`` is for humans (for
/// `errorReply` it is Redis's own text, e.g. `"ERR wrong number of arguments…"`).
public typealias RedisError = DomainError<RedisErrorDomain>

/// Names the domain of ``RedisError``.
public enum RedisErrorDomain {}

extension OpaqueErrorCode where Owner == RedisErrorDomain {
    /// The command was in flight when the connection dropped; it may or may not have run.
    public static var connectionClosed: Self { Self("connectionClosed") }
    /// Redis is unreachable right now; the command was not sent.
    public static var notConnected: Self { Self("notConnected") }
    /// No reply within the command timeout; the command may or may not have run.
    public static var timeout: Self { Self("timeout") }
    /// Redis answered with an error reply; ``RedisError/message`` is its text.
    public static var errorReply: Self { Self("errorReply") }
    /// Redis sent something that is not RESP2, or a reply nobody asked for.
    public static var protocolError: Self { Self("protocolError") }
    /// A `redis://` URL could not be parsed.
    public static var invalidURL: Self { Self("invalidURL") }
    /// EVALSHA still answered NOSCRIPT after the script was loaded again.
    public static var scriptNotLoaded: Self { Self("scriptNotLoaded") }
    /// A Redis Cluster could not serve the command's slot (CLUSTERDOWN or TRYAGAIN past the retry
    /// budget, too many redirects, a slot no master serves): the command did not run.
    public static var clusterDown: Self { Self("clusterDown") }
    /// The connection was closed by its owner.
    public static var closed: Self { Self("closed") }
}

extension RedisError {
    /// `error` itself when it is a ``RedisError``, else a lost connection carrying it (a channel's
    /// own errors: the command may or may not have run).
    init(wrapping error: any Error) {
        self = (error as? RedisError) ?? RedisError(.connectionClosed, "\(error)", underlying: error)
    }
}
