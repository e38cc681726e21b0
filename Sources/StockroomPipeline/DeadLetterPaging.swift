import StockroomCore
import StockroomRedis

/// Which dead letters a page shows, newest first.
public struct DeadLetterQuery: Sendable, Hashable {
    /// One group's, or every group's.
    public var subscription: Subscription?
    /// Only those whose original `sku` field is this.
    public var sku: String?
    /// Only those whose last error contains this text (ASCII letters compared without case).
    public var errorText: String?
    /// Only those that became dead letters in this time range (ms since 1970, by Redis's clock).
    public var since: Int64?
    public var until: Int64?
    /// Where the previous page ended (its ``DeadLetterPage/next``); nil for the newest.
    public var after: StreamPageCursor?
    public var pageSize: Int

    public static let maximumPageSize = 200

    public init(
        subscription: Subscription? = nil, sku: String? = nil, errorText: String? = nil, since: Int64? = nil,
        until: Int64? = nil, after: StreamPageCursor? = nil, pageSize: Int = 50
    ) {
        self.subscription = subscription
        self.sku = sku
        self.errorText = errorText
        self.since = since
        self.until = until
        self.after = after
        self.pageSize = min(max(pageSize, 1), Self.maximumPageSize)
    }
}

/// A position in a newest-first walk over several streams (every group's dead letters, every
/// partition's audit records): ids are unique per stream only, so the stream's index and partition
/// break ties between streams.
public struct StreamPageCursor: Sendable, Hashable, Comparable, CustomStringConvertible {
    let id: StreamID
    let streamIndex: Int
    let partition: Int

    /// `<id>/<stream index>/<partition>`, as a page's link carries it.
    public var description: String { "\(id.milliseconds)-\(id.sequence)/\(streamIndex)/\(partition)" }

    public init?(_ text: String) {
        let parts = text.split(separator: "/")
        guard parts.count == 3, let id = StreamID(String(parts[0])), let index = Int(parts[1]), let partition = Int(parts[2])
        else { return nil }
        self.init(id: id, streamIndex: index, partition: partition)
    }

    init(id: StreamID, streamIndex: Int, partition: Int) {
        self.id = id
        self.streamIndex = streamIndex
        self.partition = partition
    }

    public static func < (lhs: Self, rhs: Self) -> Bool {
        (lhs.id, lhs.streamIndex, lhs.partition) < (rhs.id, rhs.streamIndex, rhs.partition)
    }
}

/// One page of dead letters, newest first.
public struct DeadLetterPage: Sendable {
    public var letters: [DeadLetter]
    /// Where the next (older) page starts; nil on the last page.
    public var next: StreamPageCursor?
    /// Partitions whose node did not answer: their dead letters are not on the page.
    public var unreachablePartitions: [Int] = []
}

extension DeadLetters {
    /// One page of the dead letters `query` selects, newest first, across groups and partitions.
    ///
    /// Each stream is searched backwards from the cursor inside Redis (``DeadLetterScan``, at most
    /// 1,000 entries a call) until it has given a page's worth of matches or has no more: a filter
    /// that matches little examines more of each stream, never more than all of it, and only matches
    /// cross the wire. The time range bounds the ids read (an id is the time of the dead-lettering).
    /// The streams are searched at once, so one page costs about one round trip per call, not per stream.
    public func page(_ query: DeadLetterQuery) async throws -> DeadLetterPage {
        typealias Search = (partition: Int, found: [(cursor: StreamPageCursor, letter: DeadLetter)], more: Bool, failure: RedisError?)
        let searches = try await withThrowingTaskGroup(of: Search.self) { group in
            for (index, subscription) in subscriptions.enumerated() where query.subscription == nil || query.subscription == subscription {
                for partition in 0..<keys.partitions {
                    group.addTask {
                        do {
                            let (found, more) = try await matches(of: subscription, index: index, partition: partition, query: query)
                            return (partition, found, more, nil)
                        } catch let error as RedisError where error.isUnavailable {
                            // A shard down (a failover under way) hides its own dead letters, not the others'.
                            return (partition, [], false, error)
                        }
                    }
                }
            }
            return try await group.reduce(into: [Search]()) { $0.append($1) }
        }
        let unreachable = Set(searches.filter { $0.failure != nil }.map(\.partition))
        if let failure = searches.compactMap(\.failure).first, unreachable.count == keys.partitions {
            throw failure  // Redis itself is down: nothing to show
        }
        var candidates = searches.filter { !unreachable.contains($0.partition) }.flatMap(\.found)
        let exhausted = !searches.contains { $0.more && !unreachable.contains($0.partition) }
        candidates.sort { $0.cursor > $1.cursor }
        let shown = candidates.prefix(query.pageSize)
        let hasMore = candidates.count > query.pageSize || !exhausted
        return DeadLetterPage(
            letters: shown.map(\.letter), next: hasMore ? shown.last?.cursor : nil, unreachablePartitions: unreachable.sorted()
        )
    }

    /// Up to a page of `query`'s matches in one stream, newest first, and whether the stream may hold more.
    private func matches(
        of subscription: Subscription, index: Int, partition: Int, query: DeadLetterQuery
    ) async throws -> (found: [(cursor: StreamPageCursor, letter: DeadLetter)], more: Bool) {
        let stream = keys.deadLetterStream(subscription.topic, group: subscription.group, partition: partition)
        // From the cursor's id, included (an entry of another stream may share it; the cursor's order
        // decides), or from the end of the time range; an incomplete id means its whole millisecond.
        var highest = query.until.map { String(max($0, 0)) } ?? "+"
        if let after = query.after, query.until.map({ Int64(after.id.milliseconds) <= $0 }) ?? true {
            highest = "\(after.id.milliseconds)-\(after.id.sequence)"
        }
        let lowest = query.since.map { String(max($0, 0)) } ?? "-"
        var found: [(cursor: StreamPageCursor, letter: DeadLetter)] = []
        while true {
            let call = DeadLetterScan.call(
                stream: stream, highest: highest, lowest: lowest, wanted: query.pageSize + 1 - found.count, sku: query.sku,
                errorText: query.errorText
            )
            let batch = try DeadLetterScan.batch(try await redis.run(call).get())
            for (id, fields) in batch.matches {
                guard let streamID = StreamID(id) else { continue }
                let cursor = StreamPageCursor(id: streamID, streamIndex: index, partition: partition)
                if let after = query.after, cursor >= after { continue }
                found.append((cursor, DeadLetter(id: id, subscription: subscription, partition: partition, fields: fields ?? [:])))
            }
            if found.count > query.pageSize { return (found, true) }
            guard batch.more else { return (found, false) }
            highest = "(" + batch.last
        }
    }
}
