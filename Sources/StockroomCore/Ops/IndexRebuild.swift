import StockroomRedis

/// Builds the SKU name and order-state indexes from the records themselves, for data written before
/// the indexes existed (or after someone edited keys by hand). It scans every partition's SKU and
/// order keys once, on the node that holds the partition: an operator's one-off, never a page load.
/// Running it again changes nothing.
public struct IndexRebuild: Sendable {
    public struct Progress: Sendable {
        public var partition: Int
        public var skus: Int
        public var orders: Int
    }

    public let keys: KeySpace
    public let redis: RedisConnection

    public init(keys: KeySpace, redis: RedisConnection) {
        self.keys = keys
        self.redis = redis
    }

    /// Rebuilds every partition's indexes, telling `progress` after each partition.
    public func run(progress: (Progress) -> Void) async throws {
        for partition in 0..<keys.partitions {
            let skus = try await indexSKUs(partition: partition)
            let orders = try await indexOrders(partition: partition)
            progress(Progress(partition: partition, skus: skus, orders: orders))
        }
    }

    private func indexSKUs(partition: Int) async throws -> Int {
        let prefix = keys.skuKey("", partition: partition)
        var count = 0
        try await scan(prefix) { names in
            guard !names.isEmpty else { return }
            _ = try await redis.send(["ZADD", keys.skuNamesKey(partition: partition)] + names.flatMap { ["0", $0] }).get()
            count += names.count
        }
        return count
    }

    private func indexOrders(partition: Int) async throws -> Int {
        let prefix = keys.orderKey("", partition: partition)
        var count = 0
        try await scan(prefix) { orders in
            for order in orders {
                let fields = try await redis.send(["HGETALL", keys.orderKey(order, partition: partition)]).get().fieldDictionary()
                let record = FactoryOrderRecord(order: order, fields: fields)
                guard let status = record.status else { continue }
                let since = fields[status.timeField] ?? fields["opened_at"] ?? "0"
                for other in FactoryOrderRecord.Status.allCases where other != status {
                    _ = try await redis.send(["ZREM", keys.orderStateKey(other.rawValue, partition: partition), order]).get()
                }
                _ = try await redis.send(["ZADD", keys.orderStateKey(status.rawValue, partition: partition), since, order]).get()
                count += 1
            }
        }
        return count
    }

    /// Every key starting with `prefix` (one partition's), a SCAN batch at a time, without the prefix.
    private func scan(_ prefix: String, _ batch: ([String]) async throws -> Void) async throws {
        var cursor = "0"
        repeat {
            let reply = try await redis.send(["SCAN", cursor, "MATCH", prefix + "*", "COUNT", "1000"], onNodeServing: prefix).get()
            guard let parts = reply.array, parts.count == 2, let next = parts[0].string else {
                throw RedisError(.protocolError, "SCAN answered \(reply)")
            }
            try await batch((parts[1].array ?? []).compactMap { $0.string.map { String($0.dropFirst(prefix.count)) } })
            cursor = next
        } while cursor != "0"
    }
}
