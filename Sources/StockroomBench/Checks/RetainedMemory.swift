/// Redis memory retained per purchase: `used_memory` before the load, after it (events still in
/// their streams), and after the events were acknowledged and trimmed, each divided by the purchases.
public struct RetainedMemory: Sendable, Hashable, Codable {
    public var purchases: Int
    public var usedBefore: Int
    /// After the load, once every existing consumer group acknowledged the events, before the trim.
    public var usedInStreams: Int
    /// After the trim; nil when the events could not be trimmed (no consumer group read them).
    public var usedAfterTrim: Int?
    /// Why `usedAfterTrim` is missing, or what else a reader should know about the figures.
    public var notes: [String]
    /// Bytes retained per purchase with the events in their streams, and after the trim (stored, so
    /// that the JSON report carries them).
    public let bytesPerPurchase: Double?
    public let afterTrim: Double?

    public init(purchases: Int, usedBefore: Int, usedInStreams: Int, usedAfterTrim: Int?, notes: [String] = []) {
        self.purchases = purchases
        self.usedBefore = usedBefore
        self.usedInStreams = usedInStreams
        self.usedAfterTrim = usedAfterTrim
        self.notes = notes
        func perPurchase(_ used: Int) -> Double? {
            purchases > 0 ? Double(used - usedBefore) / Double(purchases) : nil
        }
        self.bytesPerPurchase = perPurchase(usedInStreams)
        self.afterTrim = usedAfterTrim.flatMap(perPurchase)
    }

    /// Exactly `memory bytes_per_purchase=X after_trim=Y`, whole bytes; `n/a` for what was not measured.
    public var line: String {
        "memory bytes_per_purchase=\(Self.text(bytesPerPurchase)) after_trim=\(Self.text(afterTrim))"
    }

    private static func text(_ value: Double?) -> String {
        value.map { String(Int($0.rounded())) } ?? "n/a"
    }
}

/// Reads fields of Redis's `INFO` text (`name:value` lines in `# Section`s).
public enum RedisInfo {
    /// The value of `field`, or nil when the text has no such line.
    public static func value(of field: String, in info: String) -> String? {
        for line in info.split(whereSeparator: \.isNewline) {
            guard let colon = line.firstIndex(of: ":"), line[..<colon] == field else { continue }
            return String(line[line.index(after: colon)...])
        }
        return nil
    }

    public static func integer(_ field: String, in info: String) -> Int? {
        value(of: field, in: info).flatMap { Int($0) }
    }
}
