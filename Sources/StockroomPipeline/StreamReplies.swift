import StockroomRedis

/// A Redis stream id, `<milliseconds>-<sequence>`.
struct StreamID: Sendable, Hashable, Comparable {
    var milliseconds: UInt64
    var sequence: UInt64

    init?(_ text: String) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 2, let ms = UInt64(parts[0]), let seq = UInt64(parts[1]) else { return nil }
        self.milliseconds = ms
        self.sequence = seq
    }

    static func < (lhs: StreamID, rhs: StreamID) -> Bool {
        (lhs.milliseconds, lhs.sequence) < (rhs.milliseconds, rhs.sequence)
    }
}

/// One row of `XPENDING key group [IDLE ms] start end count`.
struct PendingRow: Sendable, Hashable {
    var id: String
    var consumer: String
    var idleMilliseconds: Int64
    var deliveries: Int
}

enum StreamReplies {
    static func malformed(_ what: String, _ reply: RESPValue) -> RedisError {
        RedisError(.protocolError, "unexpected \(what) reply \(reply)")
    }

    /// `[[id, [field, value, …]], …]` as XRANGE, XCLAIM and each stream of XREADGROUP answer.
    /// An entry whose fields are nil (deleted while pending) is returned with nil fields.
    static func entries(_ reply: RESPValue) throws -> [(id: String, fields: [String: String]?)] {
        if reply.isNull { return [] }
        guard let rows = reply.array else { throw malformed("stream entries", reply) }
        return try rows.map { row in
            guard let parts = row.array, parts.count == 2, let id = parts[0].string else {
                throw malformed("stream entry", row)
            }
            if parts[1].isNull { return (id, nil) }
            return (id, try parts[1].fieldDictionary())
        }
    }

    static func readGroup(_ reply: RESPValue) throws -> [(stream: String, entries: [(id: String, fields: [String: String]?)])] {
        if reply.isNull { return [] }
        guard let streams = reply.array else { throw malformed("XREADGROUP", reply) }
        return try streams.map { item in
            guard let parts = item.array, parts.count == 2, let name = parts[0].string else {
                throw malformed("XREADGROUP stream", item)
            }
            return (name, try entries(parts[1]))
        }
    }

    /// The extended XPENDING reply.
    static func pendingRows(_ reply: RESPValue) throws -> [PendingRow] {
        guard let rows = reply.array else { throw malformed("XPENDING", reply) }
        return try rows.map { row in
            guard let parts = row.array, parts.count == 4, let id = parts[0].string, let consumer = parts[1].string,
                let idle = parts[2].int, let deliveries = parts[3].int
            else { throw malformed("XPENDING row", row) }
            return PendingRow(id: id, consumer: consumer, idleMilliseconds: idle, deliveries: Int(deliveries))
        }
    }

    /// A flat `[name, value, …]` map as XINFO answers it, values kept as RESP values.
    static func infoMap(_ reply: RESPValue) throws -> [String: RESPValue] {
        guard let flat = reply.array, flat.count % 2 == 0 else { throw malformed("XINFO", reply) }
        var map: [String: RESPValue] = [:]
        var index = 0
        while index < flat.count {
            guard let name = flat[index].string else { throw malformed("XINFO", reply) }
            map[name] = flat[index + 1]
            index += 2
        }
        return map
    }
}

extension RedisError {
    /// Redis lost the group (or the stream): restarted without persistence, or someone deleted the key.
    var isNoGroup: Bool { code == .errorReply && message.contains("NOGROUP") }
}

