import Logging
import StockroomCore

/// One stream entry handed to a group's handler, with what the runtime knows about where it came from.
public struct StreamEntry: Sendable, Hashable {
    /// The entry's id in `stream` (`1700000000000-0`). Ids are unique per stream only: two
    /// partitions' streams can both hold `<ms>-0`, so identify an entry by stream and id together.
    public var id: String
    /// The topic whose event it is, also when it was read from the group's retry stream.
    public var topic: Topic
    /// The stream it was read from: a topic's partition stream, or the group's retry stream.
    public var stream: String
    /// The partition of `stream`: every key of the entry's SKU carries this partition's tag.
    public var partition: Int
    /// Flat field/value pairs, as XRANGE shows them.
    public var fields: [String: String]
    /// Redis's own delivery count for this group, this delivery included.
    public var deliveries: Int
    /// Where the entry was first appended: `id` itself, or for an entry redriven from the dead
    /// letters into the group's retry stream, the topic entry it is a copy of. Use it (or a field)
    /// as an idempotency key, not `id`.
    public var originalID: String
    public var originalStream: String
    /// How to acknowledge this delivery inside the handler's own script (see ``StreamAcknowledgement``);
    /// nil for an entry that was not delivered by a consumer group (built by hand, in tests or tools).
    public var acknowledgement: StreamAcknowledgement?

    public init(id: String, topic: Topic, stream: String, partition: Int, fields: [String: String], deliveries: Int) {
        self.init(
            id: id, topic: topic, stream: stream, partition: partition, fields: fields, deliveries: deliveries,
            originalID: id, originalStream: stream
        )
    }

    public init(
        id: String,
        topic: Topic,
        stream: String,
        partition: Int,
        fields: [String: String],
        deliveries: Int,
        originalID: String,
        originalStream: String,
        acknowledgement: StreamAcknowledgement? = nil
    ) {
        self.acknowledgement = acknowledgement
        self.id = id
        self.topic = topic
        self.stream = stream
        self.partition = partition
        self.fields = fields
        self.deliveries = deliveries
        self.originalID = originalID
        self.originalStream = originalStream
    }

    /// Whether this delivery comes from the group's retry stream (a redriven dead letter).
    public var isRedriven: Bool { originalID != id || originalStream != stream }

    /// Decodes the entry's fields with `decode`; any error it throws means no retry can make the
    /// entry usable, so it becomes a ``PoisonEntry`` (a dead letter at once).
    public func decode<Event>(_ decode: ([String: String]) throws -> Event) throws(PoisonEntry) -> Event {
        do {
            return try decode(fields)
        } catch {
            throw PoisonEntry("\(error) (entry \(id) of \(stream))")
        }
    }
}

/// Keeps a long-running handler's claim on its entry (`XCLAIM … JUSTID`), so that the reclaimer
/// does not hand it to another consumer while this one is still working.
///
/// The runtime already refreshes every claim of the batch being worked on every
/// `heartbeatInterval`; a handler calls `refresh()` itself only to be sure before a step that must
/// not run twice. `refresh()` throws `ClaimLostError` when another consumer has taken the entry.
public protocol ClaimHeartbeat: Sendable {
    func refresh() async throws
}

/// The entry is no longer this consumer's: it was acknowledged, dead-lettered or taken over.
public struct ClaimLostError: Error, Sendable, CustomStringConvertible {
    public var entryID: String
    public var stream: String

    public init(entryID: String, stream: String) {
        self.entryID = entryID
        self.stream = stream
    }

    public var description: String { "entry \(entryID) of \(stream) is no longer claimed by this consumer" }
}

/// What a consumer group does with each entry.
///
/// The entry is acknowledged only after `handle` returns, so `handle` must make its effect durable
/// before returning, and must be idempotent: a crash after the effect and before the XACK delivers
/// the entry again. A thrown error leaves the entry pending; it is retried after the group's
/// visibility timeout and dead-lettered after too many deliveries. Throw `PoisonEntry` for an entry
/// that can never succeed (it cannot even be parsed): it goes to the dead letters at once.
public protocol EntryHandler: Sendable {
    func handle(_ entry: StreamEntry, context: EntryContext) async throws
}

/// What the runtime hands a handler with each entry, besides the entry itself.
public struct EntryContext: Sendable {
    /// Keeps the entry claimed while the handler works (see ``ClaimHeartbeat``).
    public var heartbeat: any ClaimHeartbeat
    /// The consumer's logger with the entry's metadata (`sr.topic sr.group sr.consumer sr.stream
    /// sr.entry sr.deliveries`): a handler adds its own and logs, without repeating what the runtime knows.
    public var logger: Logger

    public init(heartbeat: any ClaimHeartbeat, logger: Logger) {
        self.heartbeat = heartbeat
        self.logger = logger
    }
}

/// An entry that no retry can fix: the handler cannot parse it.
public struct PoisonEntry: Error, Sendable, CustomStringConvertible {
    public var reason: String

    public init(_ reason: String) {
        self.reason = reason
    }

    public var description: String { "poison entry: \(reason)" }
}

/// A handler whose work ends in an outcome worth returning, for its tests and callers, and that
/// relies on the runtime's heartbeat alone.
public protocol OutcomeHandler: EntryHandler {
    associatedtype Outcome: Sendable
    /// Handles `entry` as ``EntryHandler/handle(_:context:)`` does, logging to `logger`, and says what it did.
    func process(_ entry: StreamEntry, logger: Logger) async throws -> Outcome
}

extension OutcomeHandler {
    public func handle(_ entry: StreamEntry, context: EntryContext) async throws {
        _ = try await process(entry, logger: context.logger)
    }
}
