import StockroomRedis

/// One page of SKUs, by name.
public struct SKUPage: Sendable {
    public var levels: [StockLevel]
    /// The last name shown when more follow: the next page starts after it.
    public var next: String?
    /// Partitions whose node did not answer: their SKUs are not on the page.
    public var unreachablePartitions: [Int] = []
}

/// Pages the SKUs by name and prefix through each partition's name index (`KeySpace.skuNamesKey`,
/// `ZRANGEBYLEX`): one command per partition for the names, one per SKU shown, however many SKUs
/// there are.
public struct SKUDirectory: Sendable {
    public let keys: KeySpace
    public let redis: RedisConnection

    public static let maximumPageSize = 200

    public init(keys: KeySpace, redis: RedisConnection) {
        self.keys = keys
        self.redis = redis
    }

    /// The SKUs whose names start with `prefix`, in byte order, after `after` (exclusive).
    public func page(prefix: String, after: String?, pageSize: Int) async throws -> SKUPage {
        let size = min(max(pageSize, 1), Self.maximumPageSize)
        let (lower, upper) = Self.range(prefix: prefix, after: after)
        let (found, unreachable) = try await PartitionReads.each(Array(0..<keys.partitions)) { partition in
            let reply = try await redis.send(
                ["ZRANGEBYLEX", keys.skuNamesKey(partition: partition), lower, upper, "LIMIT", "0", String(size + 1)]
            ).get()
            return (reply.array ?? []).compactMap(\.string)
        }
        var names = found.flatMap(\.value)
        names.sort { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
        let shown = Array(names.prefix(size))
        let replies = shown.map { redis.send(["HMGET", keys.skuKey($0), "stock", "reorder_point", "reorder_qty", "open_order"]) }
        var levels: [StockLevel] = []
        for (name, reply) in zip(shown, replies) {
            let fields = try await reply.get().array ?? []
            // A name whose hash is gone is left out rather than shown with made-up numbers.
            guard fields.count == 4, let stock = fields[0].int else { continue }
            levels.append(
                StockLevel(
                    sku: name, stock: Int(stock), reorderPoint: Int(fields[1].int ?? 0), reorderQuantity: Int(fields[2].int ?? 0),
                    openOrder: fields[3].string.flatMap { $0.isEmpty ? nil : $0 }
                )
            )
        }
        return SKUPage(levels: levels, next: names.count > size ? shown.last : nil, unreachablePartitions: unreachable)
    }

    /// The `ZRANGEBYLEX` bounds of the names starting with `prefix` that sort after `after`.
    ///
    /// A SKU is ASCII below `~` (``SKU``), so raising a prefix's last byte by one gives the first
    /// name past every name that starts with it.
    static func range(prefix: String, after: String?) -> (lower: String, upper: String) {
        var lower = prefix.isEmpty ? "-" : "[" + prefix
        if let after, !after.utf8.lexicographicallyPrecedes(prefix.utf8) {
            lower = "(" + after
        }
        guard !prefix.isEmpty else { return (lower, "+") }
        var bytes = Array(prefix.utf8)
        bytes[bytes.count - 1] += 1
        return (lower, "(" + String(decoding: bytes, as: UTF8.self))
    }
}
