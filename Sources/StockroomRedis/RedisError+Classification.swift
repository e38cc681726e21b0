// How callers tell "Redis is not there right now" from "Redis said no": the one classification
// that sales, the side port and the consumer runtime share.

extension RedisError {
    /// Redis could not be reached, the connection dropped or timed out while the command was in
    /// flight, or a cluster could not serve the command's slot: retry later; this is not the
    /// caller's or the data's fault.
    public var isUnavailable: Bool {
        code == .notConnected || code == .connectionClosed || code == .timeout || code == .closed || code == .clusterDown
    }

    /// Worth retrying after a pause: unreachable, or an error reply Redis gives while it cannot
    /// serve yet (loading, a busy script, failover in progress, a read-only replica).
    public var isTransient: Bool {
        guard code != .closed else { return false }
        if isUnavailable { return true }
        guard code == .errorReply else { return false }
        return ["LOADING", "BUSY", "TRYAGAIN", "MASTERDOWN", "READONLY"].contains { message.hasPrefix($0) }
    }

    /// Whether `error` is a ``RedisError`` that ``isUnavailable``.
    public static func isUnavailable(_ error: any Error) -> Bool {
        (error as? RedisError)?.isUnavailable ?? false
    }
}
