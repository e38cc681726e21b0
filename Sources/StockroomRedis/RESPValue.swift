// RESPValue: a decoded RESP2 reply, plus the accessors callers use to read it.

import NIOCore

/// One RESP2 reply from Redis.
///
/// A top-level error reply never reaches callers as `.error`: it fails the command's future with
/// ``RedisError/Code/errorReply``. `.error` only appears nested inside arrays (e.g. a Lua table).
public enum RESPValue: Sendable, Hashable {
    case simpleString(String)
    case error(String)
    case integer(Int64)
    case bulkString(ByteBuffer)
    case null
    case array([RESPValue])
}

extension RESPValue {
    /// The text of a simple or bulk string (bulk strings decoded as UTF-8).
    public var string: String? {
        switch self {
        case .simpleString(let string):
            return string
        case .bulkString(let buffer):
            return String(buffer: buffer)
        case .error, .integer, .null, .array:
            return nil
        }
    }

    /// An integer reply, or a bulk string holding a decimal integer (Redis returns numbers from
    /// `HGET`, Lua string results and the like as bulk strings).
    public var int: Int64? {
        switch self {
        case .integer(let value):
            return value
        case .bulkString(let buffer):
            return Self.parseInt64(buffer.readableBytesView)
        case .simpleString, .error, .null, .array:
            return nil
        }
    }

    public var array: [RESPValue]? {
        if case .array(let values) = self { return values }
        return nil
    }

    /// The raw bytes of a bulk string.
    public var bytes: ByteBuffer? {
        if case .bulkString(let buffer) = self { return buffer }
        return nil
    }

    public var isNull: Bool {
        if case .null = self { return true }
        return false
    }

    // Parses bytes in place so `int` on a bulk string allocates nothing.
    private static func parseInt64(_ bytes: ByteBufferView) -> Int64? {
        var index = bytes.startIndex
        guard index < bytes.endIndex else { return nil }
        var negative = false
        if bytes[index] == UInt8(ascii: "-") {
            negative = true
            index = bytes.index(after: index)
            guard index < bytes.endIndex else { return nil }
        }
        var value: Int64 = 0
        while index < bytes.endIndex {
            let byte = bytes[index]
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            let digit = Int64(byte &- UInt8(ascii: "0"))
            // Accumulate negatively so Int64.min parses too.
            let (times10, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (next, overflow2) = times10.subtractingReportingOverflow(digit)
            guard !overflow1, !overflow2 else { return nil }
            value = next
            index = bytes.index(after: index)
        }
        if negative { return value }
        let (positive, overflow) = Int64(0).subtractingReportingOverflow(value)
        return overflow ? nil : positive
    }
}

extension RESPValue: CustomStringConvertible {
    public var description: String {
        switch self {
        case .simpleString(let string):
            return "+\(string)"
        case .error(let message):
            return "-\(message)"
        case .integer(let value):
            return ":\(value)"
        case .bulkString(let buffer):
            return "$\(String(decoding: buffer.readableBytesView, as: UTF8.self).debugDescription)"
        case .null:
            return "(nil)"
        case .array(let values):
            return "[" + values.map(\.description).joined(separator: ", ") + "]"
        }
    }
}
