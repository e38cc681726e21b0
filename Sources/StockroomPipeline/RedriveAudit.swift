import StockroomCore
import StockroomRedis

/// One record of `stockroom:{pN}:audit:redrive`: a redrive or purge, who did it and what it moved.
public struct AuditRecord: Sendable, Hashable {
    public var partition: Int
    public var id: String
    /// The record's fields: `action actor at topic group partition filter count ids effects`.
    public var fields: [String: String]
}

/// The audit records of every partition, newest first, a page at a time: at most a page's worth plus
/// one from each partition (`XREVRANGE … COUNT`), whatever the streams hold.
public enum RedriveAudit {
    public static func page(
        keys: KeySpace, redis: RedisConnection, after: StreamPageCursor?, pageSize: Int
    ) async throws -> (records: [AuditRecord], next: StreamPageCursor?) {
        let size = min(max(pageSize, 1), DeadLetterQuery.maximumPageSize)
        var candidates: [(cursor: StreamPageCursor, record: AuditRecord)] = []
        for partition in 0..<keys.partitions {
            let end = after.map { "\($0.id.milliseconds)-\($0.id.sequence)" } ?? "+"
            let reply = try await redis.send(["XREVRANGE", keys.auditStream(partition: partition), end, "-", "COUNT", String(size + 1)]).get()
            for (id, fields) in try StreamReplies.entries(reply) {
                guard let streamID = StreamID(id) else { continue }
                let cursor = StreamPageCursor(id: streamID, streamIndex: 0, partition: partition)
                if let after, cursor >= after { continue }
                candidates.append((cursor, AuditRecord(partition: partition, id: id, fields: fields ?? [:])))
            }
        }
        candidates.sort { $0.cursor > $1.cursor }
        let shown = candidates.prefix(size)
        return (shown.map(\.record), candidates.count > size ? shown.last?.cursor : nil)
    }
}
