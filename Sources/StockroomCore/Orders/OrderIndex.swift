import StockroomRedis

/// Which orders a page shows, newest state change first.
public struct OrderQuery: Sendable, Hashable {
    public var state: FactoryOrderRecord.Status?
    /// Only this SKU's orders (`SKU@n`, newest `n` first).
    public var sku: String?
    /// Where the previous page ended (its ``OrderPage/next``); nil for the first page.
    public var after: OrderPageCursor?
    public var pageSize: Int

    public static let maximumPageSize = 200

    public init(state: FactoryOrderRecord.Status? = nil, sku: String? = nil, after: OrderPageCursor? = nil, pageSize: Int = 50) {
        self.state = state
        self.sku = sku
        self.after = after
        self.pageSize = min(max(pageSize, 1), Self.maximumPageSize)
    }
}

/// A position in a newest-first walk over the order-state indexes: the time the order entered its
/// state, then its partition and reference, which break ties (many orders can change in one script).
/// For a SKU's orders only the reference counts: they are walked by number.
public struct OrderPageCursor: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let at: Int64
    public let partition: Int
    public let order: String

    /// `<ms>-<partition>-<SKU@n>`, as a page's link carries it.
    public var description: String { "\(at)-\(partition)-\(order)" }

    public init?(_ text: String) {
        let parts = text.split(separator: "-", maxSplits: 2).map(String.init)
        guard parts.count == 3, let at = Int64(parts[0]), let partition = Int(parts[1]), OrderReference(parts[2]) != nil else { return nil }
        self.init(at: at, partition: partition, order: parts[2])
    }

    public init(at: Int64, partition: Int, order: String) {
        self.at = at
        self.partition = partition
        self.order = order
    }

    public static func < (lhs: Self, rhs: Self) -> Bool {
        (lhs.at, lhs.partition, lhs.order) < (rhs.at, rhs.partition, rhs.order)
    }
}

/// One order on a page, with when it entered its state.
public struct OrderRow: Sendable, Hashable {
    public var record: FactoryOrderRecord
    /// Milliseconds since 1970 (Redis's clock); nil for a SKU's orders read by number.
    public var stateSince: Int64?
    public var partition: Int
}

/// One page of orders.
public struct OrderPage: Sendable {
    public var rows: [OrderRow]
    /// Where the next (older) page starts; nil on the last page.
    public var next: OrderPageCursor?
    /// Partitions whose node did not answer: their orders are not on the page.
    public var unreachablePartitions: [Int] = []
}

/// Pages the factory orders through the order-state indexes (`KeySpace.orderStateKey`), never by
/// scanning keys: at most a few commands per partition and state, plus one read per order shown.
public struct OrderIndex: Sendable {
    public let keys: KeySpace
    public let redis: RedisConnection

    /// Index entries read per command while paging.
    static let batch = 200
    /// A SKU's orders read per page at most while looking for those in a state: a page may then show
    /// fewer than its size, with a link to go on.
    static let skuWalkLimit = 1000

    public init(keys: KeySpace, redis: RedisConnection) {
        self.keys = keys
        self.redis = redis
    }

    public func page(_ query: OrderQuery) async throws -> OrderPage {
        if let sku = query.sku { return try await skuPage(sku, query: query) }
        let states = query.state.map { [$0] } ?? FactoryOrderRecord.Status.allCases
        let (found, unreachable) = try await PartitionReads.each(Array(0..<keys.partitions)) { partition in
            var candidates: [OrderPageCursor] = []
            for state in states {
                candidates += try await entries(in: keys.orderStateKey(state.rawValue, partition: partition), partition: partition, query: query)
            }
            return candidates
        }
        var candidates = found.flatMap(\.value)
        candidates.sort(by: >)
        let shown = Array(candidates.prefix(query.pageSize))
        let records = try await records(of: shown.map { ($0.order, $0.partition) })
        let rows = zip(shown, records).compactMap { cursor, record in
            record.map { OrderRow(record: $0, stateSince: cursor.at, partition: cursor.partition) }
        }
        return OrderPage(rows: rows, next: candidates.count > query.pageSize ? shown.last : nil, unreachablePartitions: unreachable)
    }

    /// Up to a page and one of `index`'s entries past the query's cursor, newest first.
    ///
    /// Read from the cursor's time down, including it (`ZREVRANGEBYSCORE`): entries of that same
    /// millisecond may still lie past the cursor, so the walk reads on, a batch at a time, until it
    /// has a page's worth and one past the cursor or the index ends.
    private func entries(in index: String, partition: Int, query: OrderQuery) async throws -> [OrderPageCursor] {
        let top = query.after.map { String($0.at) } ?? "+inf"
        var found: [OrderPageCursor] = []
        var offset = 0
        while true {
            let reply = try await redis.send([
                "ZREVRANGEBYSCORE", index, top, "-inf", "WITHSCORES", "LIMIT", String(offset), String(Self.batch),
            ]).get()
            let pairs = reply.array ?? []
            for pair in stride(from: 0, to: pairs.count - 1, by: 2) {
                guard let order = pairs[pair].string, let score = pairs[pair + 1].string.flatMap(Double.init) else { continue }
                let cursor = OrderPageCursor(at: Int64(score), partition: partition, order: order)
                if let after = query.after, cursor >= after { continue }
                found.append(cursor)
                if found.count > query.pageSize { return found }
            }
            // Fewer than a batch: the index has no more. A full batch without a page's worth past the
            // cursor (ties the page showed before took its room): read on.
            guard pairs.count == 2 * Self.batch else { return found }
            offset += Self.batch
        }
    }

    /// A SKU's orders by number, newest first, from its `order_seq` down.
    private func skuPage(_ sku: String, query: OrderQuery) async throws -> OrderPage {
        let partition = keys.partition(of: sku)
        let sequence = try await redis.send(["HGET", keys.skuKey(sku, partition: partition), "order_seq"]).get().string.flatMap(Int.init) ?? 0
        var number = query.after.flatMap { OrderReference($0.order)?.number }.map { $0 - 1 } ?? sequence
        let lowest = max(number - Self.skuWalkLimit + 1, 1)
        var rows: [OrderRow] = []
        var next: OrderPageCursor?
        while number >= lowest, next == nil {
            let numbers = Array(stride(from: number, through: max(number - Self.batch + 1, lowest), by: -1))
            let records = try await records(of: numbers.map { ("\(sku)@\($0)", partition) })
            for (shownNumber, record) in zip(numbers, records) {
                number = shownNumber - 1
                guard let record, query.state == nil || record.status == query.state else { continue }
                if rows.count == query.pageSize {
                    next = OrderPageCursor(at: 0, partition: partition, order: rows[rows.count - 1].record.order)
                    break
                }
                rows.append(OrderRow(record: record, stateSince: nil, partition: partition))
            }
        }
        if next == nil, number >= 1 {
            // The walk stopped at its limit: the rest of the SKU's orders lie on the next page.
            next = OrderPageCursor(at: 0, partition: partition, order: "\(sku)@\(number + 1)")
        }
        return OrderPage(rows: rows, next: next)
    }

    /// The records of `orders`, read in one pipelined round; nil for one that has no record.
    private func records(of orders: [(order: String, partition: Int)]) async throws -> [FactoryOrderRecord?] {
        let replies = orders.map { order, partition in redis.send(["HGETALL", keys.orderKey(order, partition: partition)]) }
        var records: [FactoryOrderRecord?] = []
        for (reply, order) in zip(replies, orders) {
            let fields = try await reply.get().fieldDictionary()
            records.append(fields.isEmpty ? nil : FactoryOrderRecord(order: order.order, fields: fields))
        }
        return records
    }
}
