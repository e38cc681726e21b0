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
}
