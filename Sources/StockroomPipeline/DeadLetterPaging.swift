import StockroomCore
import StockroomRedis

/// Which dead letters a page shows, newest first.
public struct DeadLetterQuery: Sendable, Hashable {
    /// One group's, or every group's.
    public var subscription: Subscription?
    /// Only those whose original `sku` field is this.
    public var sku: String?
    /// Only those whose last error contains this text (case-insensitive).
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

    func matches(_ letter: DeadLetter) -> Bool {
        if let sku, letter.fields["sku"] != sku { return false }
        if let errorText, !errorText.isEmpty, letter.lastError.range(of: errorText, options: .caseInsensitive) == nil {
            return false
        }
        // A dead letter's id is the time it was dead-lettered.
        let time = StreamID(letter.id)?.milliseconds ?? 0
        if let since, time < UInt64(max(since, 0)) { return false }
        if let until, time > UInt64(max(until, 0)) { return false }
        return true
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
    /// Entries read per command while paging a dead-letter stream.
    static let pagingBatch = 200

    /// One page of the dead letters `query` selects, newest first, across groups and partitions.
    ///
    /// Each stream is read backwards from the cursor (`XREVRANGE`, 200 entries a command) until it
    /// has given a page's worth of matches or has no more: a filter that matches little reads more of
    /// each stream, never more than all of it, and no stream gives more than one page.
    public func page(_ query: DeadLetterQuery) async throws -> DeadLetterPage {
        var candidates: [(cursor: StreamPageCursor, letter: DeadLetter)] = []
        var exhausted = true
        var unreachable: Set<Int> = []
        var lastFailure: RedisError?
        for (index, subscription) in subscriptions.enumerated() where query.subscription == nil || query.subscription == subscription {
            for partition in 0..<keys.partitions where !unreachable.contains(partition) {
                do {
                    let (found, more) = try await matches(of: subscription, index: index, partition: partition, query: query)
                    candidates += found
                    if more { exhausted = false }
                } catch let error as RedisError where error.isUnavailable {
                    // A shard down (a failover under way) hides its own dead letters, not the others'.
                    unreachable.insert(partition)
                    lastFailure = error
                }
            }
        }
        if let lastFailure, unreachable.count == keys.partitions {
            throw lastFailure  // Redis itself is down: nothing to show
        }
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
        var end = query.after.map { "\($0.id.milliseconds)-\($0.id.sequence)" } ?? "+"
        var found: [(cursor: StreamPageCursor, letter: DeadLetter)] = []
        while true {
            let reply = try await redis.send(["XREVRANGE", stream, end, "-", "COUNT", String(Self.pagingBatch)]).get()
            let entries = try StreamReplies.entries(reply)
            for (id, fields) in entries {
                guard let streamID = StreamID(id) else { continue }
                let cursor = StreamPageCursor(id: streamID, streamIndex: index, partition: partition)
                if let after = query.after, cursor >= after { continue }
                let letter = DeadLetter(id: id, subscription: subscription, partition: partition, fields: fields ?? [:])
                guard query.matches(letter) else { continue }
                found.append((cursor, letter))
                if found.count > query.pageSize { return (found, true) }
            }
            guard entries.count == Self.pagingBatch, let last = entries.last.flatMap({ StreamID($0.id) }) else {
                return (found, false)
            }
            // Exclusive: the next batch starts below the last entry read.
            end = "(" + "\(last.milliseconds)-\(last.sequence)"
        }
    }
}
