import StockroomRedis

/// The operations team's per-SKU counters (`stockroom:{pN}:ops:sku:<SKU>`), each count one script.
public struct OpsCounters: Sendable {
    /// What one count did.
    public enum Outcome: Sendable, Hashable {
        /// Counted; `total` is the counter it raised (units sold, or stock-outs).
        case counted(total: Int)
        /// The entry was counted before (a redelivery): nothing changed.
        case duplicate
    }

    public let keys: KeySpace
    public let redis: RedisConnection
    /// Counts each entry once by remembering its id for this long (one small key per entry). It must
    /// outlast the redeliveries of an entry: the groups' visibility timeout times their delivery
    /// limit, plus the time an entry may wait in the dead letters before a redrive. nil counts at
    /// least once instead: a redelivery after a lost XACK counts again.
    public let deduplicationWindow: Duration?

    public static let defaultDeduplicationWindow: Duration = .seconds(24 * 60 * 60)

    public init(keys: KeySpace, redis: RedisConnection, deduplicationWindow: Duration? = defaultDeduplicationWindow) {
        self.keys = keys
        self.redis = redis
        self.deduplicationWindow = deduplicationWindow
    }

    /// Counts one sale; `entryID` is its id in the `sales` stream of `partition` (the topic entry's
    /// own id, also for a redriven copy).
    public func count(_ sale: SaleEvent, entryID: String, partition: Int) async throws -> Outcome {
        let countGuard = countGuard(.sales, entryID: entryID, partition: partition)
        return try await run(.opsSale(sale, guard: countGuard, partition: partition, keys: keys))
    }

    /// Counts one stock-out, guarded like ``count(_:entryID:partition:)-(SaleEvent,_,_)``.
    public func count(_ stockOut: StockEmptyEvent, entryID: String, partition: Int) async throws -> Outcome {
        let countGuard = countGuard(.stockEmpty, entryID: entryID, partition: partition)
        return try await run(.opsStockEmpty(stockOut, guard: countGuard, partition: partition, keys: keys))
    }

    private func countGuard(_ topic: Topic, entryID: String, partition: Int) -> OpsCountGuard? {
        deduplicationWindow.map { window in
            OpsCountGuard(
                key: keys.opsSeenKey(topic: topic, entryID: entryID, partition: partition),
                ttlSeconds: max(1, Int(window.components.seconds))
            )
        }
    }

    private func run(_ call: ScriptCall) async throws -> Outcome {
        let answer = try ScriptStatusReply(try await redis.run(call).get(), script: call.script.name)
        switch answer.status {
        case "COUNTED": return .counted(total: answer.integer(0) ?? 0)
        case "DUPLICATE": return .duplicate
        default: throw RedisError(.protocolError, "the \(call.script.name) script answered \(answer.status)")
        }
    }
}
