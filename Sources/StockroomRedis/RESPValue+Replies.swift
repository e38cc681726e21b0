// Shapes of reply that several commands and every Stockroom script share.

/// A Stockroom script's answer: `{STATUS, values…}`.
///
/// Every Lua script of the project answers with a status word first (`SOLD`, `APPLIED`, `DEAD`, or a
/// refusal code) and its values after it, so that `redis-cli EVALSHA` output reads on its own.
public struct ScriptStatusReply: Sendable {
    public let status: String
    public let values: ArraySlice<RESPValue>

    /// - Parameters:
    ///   - script: the script's name, for the error when the answer has another shape.
    public init(_ reply: RESPValue, script: String) throws(RedisError) {
        guard let elements = reply.array, let status = elements.first?.string else {
            throw RedisError(.protocolError, "the \(script) script answered \(reply)")
        }
        self.status = status
        self.values = elements.dropFirst()
    }

    /// The value at `position` (0 is the first after the status) as an integer, if it is one.
    public func integer(_ position: Int) -> Int? {
        value(position)?.int.map(Int.init)
    }

    /// The value at `position` as text, if it is text.
    public func string(_ position: Int) -> String? {
        value(position)?.string
    }

    private func value(_ position: Int) -> RESPValue? {
        let index = values.startIndex + position
        return index < values.endIndex ? values[index] : nil
    }
}

extension RESPValue {
    /// A flat `[field, value, field, value, …]` reply (HGETALL, a stream entry's fields) as a
    /// dictionary; null is empty, and a repeated field keeps its last value.
    public func fieldDictionary() throws(RedisError) -> [String: String] {
        if isNull { return [:] }
        guard let flat = array, flat.count % 2 == 0 else {
            throw RedisError(.protocolError, "expected field/value pairs, got \(self)")
        }
        var fields: [String: String] = [:]
        fields.reserveCapacity(flat.count / 2)
        var index = 0
        while index < flat.count {
            guard let name = flat[index].string, let value = flat[index + 1].string else {
                throw RedisError(.protocolError, "expected field/value pairs, got \(self)")
            }
            fields[name] = value
            index += 2
        }
        return fields
    }
}
