// CommandKey: which argument of a command is the key a Redis Cluster routes it by.

/// Finds the key that decides a command's hash slot: the first key it names, or none.
///
/// A small table rather than `COMMAND INFO` from the server: Stockroom sends a known set of commands,
/// and a table costs no round trip and can be unit-tested. Commands not in it take their key at
/// index 1, which is where Redis puts it for almost every command (`GET`, `HSET`, `XADD`, `ZADD` …).
enum CommandKey {
    enum Position {
        /// No key: the command goes to a fixed master (see ``ClusterRouter``).
        case none
        case at(Int)
        /// `EVAL`/`EVALSHA`/`FCALL`: `numkeys` at index 2, the first key at 3 when numkeys > 0.
        case afterNumKeys
        /// `XREAD`/`XREADGROUP`: the first argument after `STREAMS`.
        case afterStreams
    }

    /// The routing key of `arguments`, nil for a keyless command.
    static func of(_ arguments: [String]) -> String? {
        guard let name = arguments.first else { return nil }
        let position = positions[name] ?? positions[name.uppercased()] ?? .at(1)
        switch position {
        case .none:
            return nil
        case .at(let index):
            return index < arguments.count ? arguments[index] : nil
        case .afterNumKeys:
            guard arguments.count > 3, let numKeys = Int(arguments[2]), numKeys > 0 else { return nil }
            return arguments[3]
        case .afterStreams:
            guard let streams = arguments.firstIndex(where: { $0.uppercased() == "STREAMS" }), streams + 1 < arguments.count
            else { return nil }
            return arguments[streams + 1]
        }
    }

    private static let positions: [String: Position] = {
        var table: [String: Position] = [:]
        let keyless = [
            "ACL", "ASKING", "AUTH", "BGREWRITEAOF", "BGSAVE", "CLIENT", "CLUSTER", "COMMAND", "CONFIG", "DBSIZE",
            "DEBUG", "ECHO", "FLUSHALL", "FLUSHDB", "FUNCTION", "HELLO", "INFO", "KEYS", "LASTSAVE", "LATENCY",
            "LOLWUT", "MEMORY", "MONITOR", "PING", "PUBLISH", "RANDOMKEY", "READONLY", "READWRITE", "ROLE", "SAVE",
            "SCAN", "SCRIPT", "SELECT", "SLOWLOG", "SWAPDB", "TIME", "WAIT", "WAITAOF",
        ]
        for name in keyless { table[name] = Position.none }
        // Container commands: a subcommand first, then the key.
        for name in ["XINFO", "XGROUP", "OBJECT"] { table[name] = .at(2) }
        for name in ["EVAL", "EVALSHA", "EVAL_RO", "EVALSHA_RO", "FCALL", "FCALL_RO"] { table[name] = .afterNumKeys }
        for name in ["XREAD", "XREADGROUP"] { table[name] = .afterStreams }
        // MIGRATE host port key|"" destination-db timeout …
        table["MIGRATE"] = .at(3)
        return table
    }()
}
