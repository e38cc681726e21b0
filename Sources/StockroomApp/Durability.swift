import Logging
import StockroomRedis

/// How durable a SOLD answer is: when Redis's append-only file reaches the disk.
///
/// | mode | a crash of Redis (kill -9) loses | a crash of the machine (power, kernel) loses |
/// | --- | --- | --- |
/// | `always` | nothing acknowledged | nothing acknowledged (the disk honours fsync) |
/// | `everysec` | nothing acknowledged | up to about one second of acknowledged sales |
/// | no append-only file | everything since the last snapshot | everything since the last snapshot |
///
/// Redis writes every command to the file before it replies; `appendfsync` decides when that write is
/// forced to the disk: before the reply (`always`) or once a second (`everysec`).
public enum Durability: String, Sendable, CaseIterable {
    case always
    case everysec

    /// The embedded Redis's options for this mode.
    var redisArguments: [String] { ["--appendfsync", rawValue] }
}

/// What Stockroom makes of an external Redis's persistence settings.
public struct PersistenceAssessment: Sendable, Hashable {
    /// What `CONFIG GET` said; nil where Redis would not tell (managed Redis often refuses CONFIG).
    public var appendOnly: String?
    public var appendFsync: String?

    public init(appendOnly: String?, appendFsync: String?) {
        self.appendOnly = appendOnly
        self.appendFsync = appendFsync
    }

    /// The warning an operator should read, or nil when nothing acknowledged can be lost.
    public var warning: String? {
        guard let appendOnly, let appendFsync else {
            return "cannot read Redis's persistence settings (CONFIG GET refused): make sure appendonly is yes "
                + "and appendfsync always, or acknowledged sales can be lost on a crash"
        }
        guard appendOnly == "yes" else {
            return "Redis has no append-only file (appendonly \(appendOnly)): a crash of Redis loses every "
                + "acknowledged sale since its last snapshot"
        }
        guard appendFsync == "always" else {
            return "Redis forces its append-only file to disk with appendfsync \(appendFsync): a crash of the "
                + "machine can lose acknowledged sales (about a second's worth with everysec)"
        }
        return nil
    }

    /// Reads the settings from `redis`; a refused CONFIG leaves them unknown.
    static func read(from redis: RedisConnection) async -> PersistenceAssessment {
        func setting(_ name: String) async -> String? {
            guard let reply = try? await redis.send(["CONFIG", "GET", name]).get(), let pairs = reply.array, pairs.count == 2 else {
                return nil
            }
            return pairs[1].string
        }
        return PersistenceAssessment(appendOnly: await setting("appendonly"), appendFsync: await setting("appendfsync"))
    }
}

/// Whether Redis has the replicas `--sync-replicas` waits for.
enum ReplicaAssessment {
    /// The warning an operator should read at start, or nil when enough replicas are connected (or none
    /// are required).
    static func warning(connected: Int?, required: Int) -> String? {
        guard required > 0 else { return nil }
        guard let connected else {
            return "cannot read Redis's replicas (INFO replication refused): with --sync-replicas \(required), purchases "
                + "answer BACKEND_UNAVAILABLE unless \(required) replicas confirm them"
        }
        guard connected < required else { return nil }
        return "Redis has \(connected) connected replica\(connected == 1 ? "" : "s") and --sync-replicas is \(required): "
            + "every purchase waits --sync-timeout and answers BACKEND_UNAVAILABLE until more replicas connect"
    }

    static func read(from redis: RedisConnection, required: Int) async -> String? {
        guard required > 0 else { return nil }
        let info = (try? await redis.send(["INFO", "replication"]).get().string) ?? nil
        let connected = info.flatMap { text in
            text.split(whereSeparator: \.isNewline).first { $0.hasPrefix("connected_slaves:") }
                .flatMap { Int($0.dropFirst("connected_slaves:".count)) }
        }
        return warning(connected: connected, required: required)
    }
}
