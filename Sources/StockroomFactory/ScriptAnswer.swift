import StockroomRedis

/// A factory-module script's answer, `{STATUS, values…}`.
struct ScriptAnswer {
    let status: String
    let values: [RESPValue]

    init(_ reply: RESPValue, script: String) throws(ScriptAnswerError) {
        guard let elements = reply.array, let status = elements.first?.string else {
            throw ScriptAnswerError(message: "the \(script) script answered \(reply)")
        }
        self.status = status
        self.values = Array(elements.dropFirst())
    }

    func integer(_ position: Int) -> Int? {
        position < values.count ? values[position].int.map(Int.init) : nil
    }

    func string(_ position: Int) -> String? {
        position < values.count ? values[position].string : nil
    }
}

struct ScriptAnswerError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}

extension RESPValue {
    /// `HGETALL`'s `[field, value, field, value, …]` as a dictionary.
    var fieldDictionary: [String: String] {
        let flat = array?.compactMap(\.string) ?? []
        var fields: [String: String] = [:]
        var index = 0
        while index + 1 < flat.count {
            fields[flat[index]] = flat[index + 1]
            index += 2
        }
        return fields
    }
}
