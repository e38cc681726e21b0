// RedisError: the one error type every StockroomRedis API fails with.

/// An error from ``RedisConnection``. Switch on ``code``; ``message`` is for humans (for
/// ``Code/errorReply`` it is Redis's own text, e.g. `"ERR wrong number of arguments…"`).
public struct RedisError: Error, Sendable, CustomStringConvertible {
    /// What went wrong. A struct rather than an enum so that codes can be added without breaking
    /// callers' exhaustive switches.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: Hashable, Sendable {
            case connectionClosed
            case notConnected
            case timeout
            case errorReply
            case protocolError
            case invalidURL
            case scriptNotLoaded
            case closed
        }

        private let base: Base

        private init(_ base: Base) {
            self.base = base
        }

        /// The command was in flight when the connection dropped; it may or may not have run.
        public static let connectionClosed = Code(.connectionClosed)
        /// Redis is unreachable right now; the command was not sent.
        public static let notConnected = Code(.notConnected)
        /// No reply within the command timeout; the command may or may not have run.
        public static let timeout = Code(.timeout)
        /// Redis answered with an error reply; ``RedisError/message`` is its text.
        public static let errorReply = Code(.errorReply)
        /// Redis sent something that is not RESP2, or a reply nobody asked for.
        public static let protocolError = Code(.protocolError)
        /// A `redis://` URL could not be parsed.
        public static let invalidURL = Code(.invalidURL)
        /// EVALSHA still answered NOSCRIPT after the script was loaded again.
        public static let scriptNotLoaded = Code(.scriptNotLoaded)
        /// The connection was closed by its owner.
        public static let closed = Code(.closed)

        public var description: String {
            switch self.base {
            case .connectionClosed: return "connectionClosed"
            case .notConnected: return "notConnected"
            case .timeout: return "timeout"
            case .errorReply: return "errorReply"
            case .protocolError: return "protocolError"
            case .invalidURL: return "invalidURL"
            case .scriptNotLoaded: return "scriptNotLoaded"
            case .closed: return "closed"
            }
        }
    }

    public var code: Code
    public var message: String
    public var underlying: (any Error)?

    public init(code: Code, message: String, underlying: (any Error)? = nil) {
        self.code = code
        self.message = message
        self.underlying = underlying
    }

    public var description: String {
        if let underlying {
            return "RedisError.\(self.code): \(self.message) (\(underlying))"
        }
        return "RedisError.\(self.code): \(self.message)"
    }
}
