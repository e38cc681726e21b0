import NIOCore

/// One run of a script: the script with its KEYS and ARGV, in the order its Lua reads them.
///
/// The module that owns a script builds its calls (one typed function per script, beside the Lua),
/// so the positional layout is written once; callers hand the call to ``RedisConnection/run(_:)``.
public struct ScriptCall: Sendable, Hashable {
    public var script: RedisScript
    public var keys: [String]
    public var arguments: [String]

    public init(_ script: RedisScript, keys: [String], arguments: [String]) {
        self.script = script
        self.keys = keys
        self.arguments = arguments
    }

    /// The call as `redis-cli` or `redis-benchmark` would type it: `EVALSHA sha numkeys keys… args…`.
    public var evalSHACommand: [String] {
        ["EVALSHA", script.sha1, String(keys.count)] + keys + arguments
    }
}

extension RedisConnection {
    /// Runs `call` with ``evalScript(_:keys:arguments:)``: loaded on first use, reloaded on NOSCRIPT.
    public func run(_ call: ScriptCall) -> EventLoopFuture<RESPValue> {
        evalScript(call.script, keys: call.keys, arguments: call.arguments)
    }

    /// Runs `call`, then `follower` on the very connection that ran it, once the script has answered
    /// (`WAIT n timeout`, which counts only what its own connection wrote). On a Redis Cluster that is
    /// the master of the script's keys, after any redirect; `follower` sent with ``send(_:)`` would
    /// go to a fixed master instead. If that connection is lost in between, the call fails
    /// (unavailable) rather than sending `follower` on a new connection, where a `WAIT` would count nothing.
    ///
    /// - Returns: the script's reply and the follower's.
    public func run(_ call: ScriptCall, then follower: [String]) -> EventLoopFuture<(script: RESPValue, follower: RESPValue)> {
        self.runThen(EvalRequest(script: call.script, keys: call.keys, arguments: call.arguments), follower: follower).flatMapThrowing { pair in
            guard case .array(let replies) = pair, replies.count == 2 else {
                preconditionFailure("a script and its follower answer as a pair, got \(pair)")
            }
            return (replies[0], replies[1])
        }
    }
}
