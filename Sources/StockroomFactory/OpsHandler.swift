import Logging
import StockroomCore
import StockroomPipeline
import StockroomRedis

/// How the ops group counts.
public struct OpsConfiguration: Sendable {
    /// Counts each entry once by remembering its id for this long (one small key per entry).
    /// Must outlast the redeliveries of an entry: the groups' visibility timeout times their
    /// delivery limit, plus the time an entry may wait in the dead letters before a redrive.
    /// `nil` counts at least once instead: a redelivery after a lost XACK counts again.
    public var deduplicationWindow: Duration? = .seconds(24 * 60 * 60)

    public init() {}
}

/// The `ops` groups on `sales` and on `stock-empty`: per-SKU counters for the operations team, and
/// an operator alert (a warning in the log) on each stock-out.
public struct OpsHandler: EntryHandler {
    /// What one entry did to the counters.
    public enum Outcome: Sendable, Hashable {
        case counted
        /// Already counted (a redelivery): nothing changed.
        case duplicate
    }

    private let keys: KeySpace
    private let redis: RedisConnection
    private let configuration: OpsConfiguration
    private let metrics: FactoryMetrics
    private let logger: Logger

    public init(
        keys: KeySpace,
        redis: RedisConnection,
        configuration: OpsConfiguration = OpsConfiguration(),
        metrics: FactoryMetrics = FactoryMetrics(),
        logger: Logger
    ) {
        self.keys = keys
        self.redis = redis
        self.configuration = configuration
        self.metrics = metrics
        self.logger = logger
    }

    public func handle(_ entry: StreamEntry, heartbeat: any ClaimHeartbeat) async throws {
        _ = try await count(entry)
    }

    /// Counts one entry of `sales` or `stock-empty`; the stream name says which.
    public func count(_ entry: StreamEntry) async throws -> Outcome {
        guard let sku = entry.fields["sku"], (try? SKU.validate(sku)) != nil else {
            throw PoisonEntry("ops: entry \(entry.id) of \(entry.stream) has no valid sku")
        }
        let partition = keys.partition(of: sku)
        let topic = try topic(of: entry, partition: partition)
        var scriptKeys = [keys.opsKey(sku)]
        var ttl = "0"
        if let window = configuration.deduplicationWindow {
            // The topic entry's own id: a redriven copy carries it as `originalID`.
            scriptKeys.append(keys.opsSeenKey(topic: topic, entryID: entry.originalID, partition: partition))
            ttl = String(max(1, window.components.seconds))
        }

        let script: RedisScript
        let arguments: [String]
        switch topic {
        case .sales:
            guard let quantity = entry.fields["quantity"].flatMap({ Int($0) }) else {
                throw PoisonEntry("ops: sales entry \(entry.id) has no quantity")
            }
            script = FactoryScripts.opsSale
            arguments = [String(quantity), entry.fields["at"] ?? "", entry.fields["remaining"] ?? "", ttl]
        case .stockEmpty:
            script = FactoryScripts.opsStockEmpty
            arguments = [entry.fields["at"] ?? "", entry.fields["order"] ?? "", entry.fields["reason"] ?? "", ttl]
        case .stockArrival:
            throw PoisonEntry("ops: does not count stock-arrival entries (\(entry.id))")
        }

        let reply = try await redis.evalScript(script, keys: scriptKeys, arguments: arguments).get()
        let answer = try ScriptStatusReply(reply, script: script.name)
        switch answer.status {
        case "COUNTED":
            if topic == .sales {
                metrics.opsSales.increment()
            } else {
                metrics.opsStockouts.increment()
                // The operator alert: one per stock-out, not per redelivery.
                logger.warning(
                    "stock-out: factory order opened",
                    metadata: [
                        "sr.sku": "\(sku)", "sr.order": "\(entry.fields["order"] ?? "")",
                        "sr.reason": "\(entry.fields["reason"] ?? "")", "sr.stock": "\(entry.fields["stock"] ?? "")",
                        "sr.wanted": "\(entry.fields["wanted"] ?? "")", "sr.stockouts": "\(answer.integer(0) ?? 0)",
                    ]
                )
            }
            return .counted
        case "DUPLICATE":
            metrics.opsDuplicates.increment()
            logger.debug("ops: entry already counted", metadata: ["sr.entry": "\(entry.id)", "sr.sku": "\(sku)"])
            return .duplicate
        default:
            throw RedisError(code: .protocolError, message: "the \(script.name) script answered \(answer.status)")
        }
    }

    /// Which topic an entry comes from: its partition stream, or the ops group's retry stream of it.
    private func topic(of entry: StreamEntry, partition: Int) throws(PoisonEntry) -> Topic {
        for topic in [Topic.sales, .stockEmpty] {
            if entry.stream == keys.stream(topic, partition: partition)
                || entry.stream == keys.retryStream(topic, group: Subscription.opsSales.group, partition: partition)
            {
                return topic
            }
        }
        throw PoisonEntry("ops: entry \(entry.id) comes from \(entry.stream), not sales or stock-empty")
    }
}
