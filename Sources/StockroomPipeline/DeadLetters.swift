import StockroomCore
import StockroomRedis

/// One dead letter: a group's entry that failed `maxDeliveries` times or was poison, with the
/// original fields and what is known about its deliveries.
public struct DeadLetter: Sendable, Hashable {
    /// Its id in the dead-letter stream of `partition` (ids are per stream: qualify with `reference`).
    public var id: String
    public var subscription: Subscription
    public var partition: Int
    /// The topic entry it came from (for a redriven entry that failed again: still the topic entry).
    public var originalID: String
    public var originalStream: String
    /// Where this delivery was read: the topic stream, or the group's retry stream after a redrive.
    public var sourceStream: String
    public var sourceID: String
    public var reason: String
    /// Redis's delivery count when it was dead-lettered.
    public var deliveries: Int
    /// Handler failures recorded for it (deliveries that crashed or timed out record none).
    public var failures: Int
    public var lastError: String
    public var lastConsumer: String
    /// Milliseconds since the Unix epoch, by Redis's clock.
    public var enqueuedAt: Int64?
    public var firstFailedAt: Int64?
    public var lastDeliveredAt: Int64?
    public var deadAt: Int64?
    /// The entry was gone from its stream when it was dead-lettered, so `fields` is empty.
    public var entryMissing: Bool
    /// What dead-lettering it did to the data model (its ``DeadLetterEffects``), e.g. `order A@3 failed`.
    public var effect: String
    /// The original fields, as the handler saw them.
    public var fields: [String: String]

    /// `p<partition>:<id>`: names this dead letter uniquely among its group's.
    public var reference: String { "p\(partition):\(id)" }

    init(id: String, subscription: Subscription, partition: Int, fields all: [String: String]) {
        var fields: [String: String] = [:]
        var context: [String: String] = [:]
        for (name, value) in all {
            if name.hasPrefix(PipelineFields.deadLetterPrefix) {
                context[String(name.dropFirst(PipelineFields.deadLetterPrefix.count))] = value
            } else {
                fields[name] = value
            }
        }
        self.id = id
        self.subscription = subscription
        self.partition = partition
        self.originalID = context["original_id"] ?? ""
        self.originalStream = context["original_stream"] ?? ""
        self.sourceStream = context["source_stream"] ?? ""
        self.sourceID = context["source_id"] ?? ""
        self.reason = context["reason"] ?? ""
        self.deliveries = Int(context["deliveries"] ?? "") ?? 0
        self.failures = Int(context["failures"] ?? "") ?? 0
        self.lastError = context["last_error"] ?? ""
        self.lastConsumer = context["last_consumer"] ?? ""
        self.enqueuedAt = context["enqueued_at"].flatMap { Int64($0) }
        self.firstFailedAt = context["first_failed_at"].flatMap { Int64($0) }
        self.lastDeliveredAt = context["last_delivered_at"].flatMap { Int64($0) }
        self.deadAt = context["dead_at"].flatMap { Int64($0) }
        self.entryMissing = context["entry_missing"] == "1"
        self.effect = context["effect"] ?? ""
        self.fields = fields
    }
}

/// Which dead letters a redrive or purge takes.
public enum RedriveFilter: Sendable, Hashable, CustomStringConvertible {
    /// Dead-letter references, `p3:1700000000000-0`, or bare ids, `1700000000000-0`. Ids are unique
    /// per stream only, so a bare id that two partitions hold is refused as ambiguous.
    case ids([String])
    /// Dead letters whose original `sku` field is this SKU.
    case sku(String)
    case all

    public var description: String {
        switch self {
        case .ids(let ids): return "ids=\(ids.joined(separator: ","))"
        case .sku(let sku): return "sku=\(sku)"
        case .all: return "all"
        }
    }
}

/// What a redrive or purge did, or would do (dry run).
public struct RedriveReport: Sendable, Hashable {
    public enum Action: String, Sendable, Hashable {
        case redrive
        case purge
    }

    public var action: Action
    public var subscription: Subscription
    public var filter: RedriveFilter
    public var dryRun: Bool
    public var actor: String
    /// The dead letters it moved (or would move), as `p<partition>:<id>`.
    public var references: [String]
    /// What moving each did (or would do) to the data model, by reference; none when nothing.
    public var effects: [String: String]
    /// The audit records written, one per partition that had matches (none for a dry run).
    public var auditIDs: [String]

    public var count: Int { references.count }
}

/// The dead letters of the consumer groups: list, show, redrive to the failed group only, purge.
///
/// Redrive moves dead letters into `stockroom:{pN}:retry:<topic>:<group>`, a stream only that group
/// reads (its consumers read it with the topic streams), so other groups of the topic do not see the
/// entry again. Per partition one script (`pipeline-move-dead-letters`) does XADD retry + XDEL dead
/// letter for every match and one audit record in `stockroom:{pN}:audit:redrive` (action, actor, at,
/// topic, group, partition, filter, count, ids): a crash cannot lose or double a dead letter.
/// A dry run reads the same matches and writes nothing.
public struct DeadLetters: Sendable {
    public let keys: KeySpace
    public let redis: RedisConnection
    public let subscriptions: [Subscription]

    /// The connection must know the pipeline's scripts or load them on first use (it does: EVALSHA
    /// loads a script it has not loaded yet).
    public init(keys: KeySpace, redis: RedisConnection, subscriptions: [Subscription]) {
        self.keys = keys
        self.redis = redis
        self.subscriptions = subscriptions
    }

    /// The oldest `limit` dead letters of `subscription` (or of every subscription), oldest first.
    public func list(subscription: Subscription? = nil, limit: Int = 100) async throws -> [DeadLetter] {
        var letters: [DeadLetter] = []
        for subscription in subscription.map({ [$0] }) ?? subscriptions {
            for partition in 0..<keys.partitions {
                let stream = keys.deadLetterStream(subscription.topic, group: subscription.group, partition: partition)
                let reply = try await redis.send(["XRANGE", stream, "-", "+", "COUNT", String(max(limit, 1))]).get()
                for (id, fields) in try StreamReplies.entries(reply) {
                    letters.append(DeadLetter(id: id, subscription: subscription, partition: partition, fields: fields ?? [:]))
                }
            }
        }
        letters.sort { (StreamID($0.id) ?? StreamID("0-0")!) < (StreamID($1.id) ?? StreamID("0-0")!) }
        return Array(letters.prefix(limit))
    }

    /// The dead letters with this id (`p3:<id>` or a bare id), in `subscription` or in all.
    public func show(id: String, subscription: Subscription? = nil) async throws -> [DeadLetter] {
        let (partition, bare) = Self.parse(id)
        var found: [DeadLetter] = []
        for subscription in subscription.map({ [$0] }) ?? subscriptions {
            for p in 0..<keys.partitions where partition == nil || partition == p {
                let stream = keys.deadLetterStream(subscription.topic, group: subscription.group, partition: p)
                let reply: RESPValue
                do {
                    reply = try await redis.send(["XRANGE", stream, bare, bare]).get()
                } catch let error as RedisError where error.code == .errorReply {
                    return []  // not a stream id
                }
                for (id, fields) in try StreamReplies.entries(reply) {
                    found.append(DeadLetter(id: id, subscription: subscription, partition: p, fields: fields ?? [:]))
                }
            }
        }
        return found
    }

    /// Moves matching dead letters back to `subscription`'s retry streams, for that group only.
    public func redrive(subscription: Subscription, filter: RedriveFilter, dryRun: Bool, actor: String) async throws -> RedriveReport {
        try await move(.redrive, subscription: subscription, filter: filter, dryRun: dryRun, actor: actor)
    }

    /// Deletes matching dead letters for good (with an audit record).
    public func purge(subscription: Subscription, filter: RedriveFilter, dryRun: Bool, actor: String) async throws -> RedriveReport {
        try await move(.purge, subscription: subscription, filter: filter, dryRun: dryRun, actor: actor)
    }

    private func move(
        _ action: RedriveReport.Action,
        subscription: Subscription,
        filter: RedriveFilter,
        dryRun: Bool,
        actor: String
    ) async throws -> RedriveReport {
        var report = RedriveReport(
            action: action, subscription: subscription, filter: filter, dryRun: dryRun, actor: actor,
            references: [], effects: [:], auditIDs: []
        )
        var idsByPartition: [Int: [String]] = [:]
        if case .ids(let ids) = filter {
            for id in ids {
                let (partition, bare) = Self.parse(id)
                guard StreamID(bare) != nil else { continue }
                if let partition {
                    idsByPartition[partition, default: []].append(bare)
                    continue
                }
                let holders = try await show(id: bare, subscription: subscription).map(\.partition)
                guard holders.count <= 1 else {
                    let references = holders.map { "p\($0):\(bare)" }.joined(separator: " or ")
                    throw DeadLetterError(.ambiguousID, "dead letter id \(bare) exists in \(holders.count) partitions: name it as \(references)")
                }
                if let holder = holders.first { idsByPartition[holder, default: []].append(bare) }
            }
        }
        for partition in 0..<keys.partitions {
            var ids: [String] = []
            if case .ids = filter {
                ids = idsByPartition[partition] ?? []
                if ids.isEmpty { continue }
            }
            let call = ScriptCall.moveDeadLetters(
                action, filter: filter, ids: ids, subscription: subscription, partition: partition, dryRun: dryRun,
                actor: actor, keys: keys
            )
            let reply = try await redis.run(call).get()
            let answer = try ScriptStatusReply(reply, script: "move dead letters")
            let outcomes = answer.values.dropFirst(2).compactMap(\.string)
            guard answer.status == "OK", answer.values.count >= 2, outcomes.count % 2 == 0 else {
                throw StreamReplies.malformed("move dead letters", reply)
            }
            if let audit = answer.string(1), !audit.isEmpty {
                report.auditIDs.append(audit)
            }
            for index in stride(from: 0, to: outcomes.count, by: 2) {
                let reference = "p\(partition):\(outcomes[index])"
                report.references.append(reference)
                if !outcomes[index + 1].isEmpty { report.effects[reference] = outcomes[index + 1] }
            }
        }
        return report
    }

    /// `p3:1700-0` → (3, "1700-0"); `1700-0` → (nil, "1700-0").
    static func parse(_ reference: String) -> (partition: Int?, id: String) {
        if reference.hasPrefix("p"), let colon = reference.firstIndex(of: ":"),
            let partition = Int(reference[reference.index(after: reference.startIndex)..<colon])
        {
            return (partition, String(reference[reference.index(after: colon)...]))
        }
        return (nil, reference)
    }
}
