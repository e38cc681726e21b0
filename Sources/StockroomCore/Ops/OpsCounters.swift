import StockroomRedis

/// The operations team's per-SKU counters (`stockroom:{pN}:ops:sku:<SKU>`), each count one script.
public struct OpsCounters: Sendable {
    /// What one count did.
    public enum Outcome: Sendable, Hashable {
        /// Counted; `total` is the counter it raised (units sold, or stock-outs).
        case counted(total: Int)
        /// The entry was acknowledged before, so counted: nothing changed.
        case duplicate
    }

    public let keys: KeySpace
    public let redis: RedisConnection

    public init(keys: KeySpace, redis: RedisConnection) {
        self.keys = keys
        self.redis = redis
    }

    /// Counts one sale of `partition` and acknowledges its entry in the same step, so it is counted
    /// exactly once. Without an acknowledgement (an entry not read through a consumer group) the
    /// count is at least once.
    public func count(_ sale: SaleEvent, acknowledging acknowledgement: StreamAcknowledgement?, partition: Int) async throws -> Outcome {
        try await run(.opsSale(sale, acknowledging: acknowledgement, partition: partition, keys: keys))
    }

    /// Counts one stock-out, acknowledged like ``count(_:acknowledging:partition:)-(SaleEvent,_,_)``.
    public func count(
        _ stockOut: StockEmptyEvent, acknowledging acknowledgement: StreamAcknowledgement?, partition: Int
    ) async throws -> Outcome {
        try await run(.opsStockEmpty(stockOut, acknowledging: acknowledgement, partition: partition, keys: keys))
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
