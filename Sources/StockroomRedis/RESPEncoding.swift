// Hand-written RESP2 command encoding (an array of bulk strings) straight into a ByteBuffer.

import NIOCore

extension ByteBuffer {
    @inlinable
    mutating func writeRESPCommand(_ arguments: [String]) {
        self.writeRESPArrayHeader(count: arguments.count)
        for argument in arguments {
            self.writeRESPBulkString(argument)
        }
    }

    /// `EVALSHA sha numkeys key… arg…`, without building an argument array first.
    @inlinable
    mutating func writeRESPEvalSHA(sha1: String, keys: [String], arguments: [String]) {
        self.writeRESPArrayHeader(count: 3 + keys.count + arguments.count)
        self.writeRESPBulkString("EVALSHA")
        self.writeRESPBulkString(sha1)
        self.writeRESPBulkString(decimal: keys.count)
        for key in keys {
            self.writeRESPBulkString(key)
        }
        for argument in arguments {
            self.writeRESPBulkString(argument)
        }
    }

    @inlinable
    mutating func writeRESPArrayHeader(count: Int) {
        self.writeInteger(UInt8(ascii: "*"))
        self.writeRESPDecimal(count)
        self.writeInteger(UInt16(0x0D0A))  // "\r\n", big-endian
    }

    @inlinable
    mutating func writeRESPBulkString(_ string: String) {
        self.writeInteger(UInt8(ascii: "$"))
        self.writeRESPDecimal(string.utf8.count)
        self.writeInteger(UInt16(0x0D0A))
        self.writeString(string)
        self.writeInteger(UInt16(0x0D0A))
    }

    @inlinable
    mutating func writeRESPBulkString(decimal value: Int) {
        let digits = Self.decimalDigitCount(value)
        self.writeInteger(UInt8(ascii: "$"))
        self.writeRESPDecimal(digits)
        self.writeInteger(UInt16(0x0D0A))
        self.writeRESPDecimal(value)
        self.writeInteger(UInt16(0x0D0A))
    }

    /// ASCII digits of a non-negative `value`, without going through `String`.
    @inlinable
    mutating func writeRESPDecimal(_ value: Int) {
        precondition(value >= 0, "RESP lengths and counts are never negative")
        if value < 10 {
            self.writeInteger(UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: value))
            return
        }
        let count = Self.decimalDigitCount(value)
        self.writeWithUnsafeMutableBytes(minimumWritableBytes: count) { pointer in
            var remaining = value
            var index = count
            while index > 0 {
                index -= 1
                pointer[index] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: remaining % 10)
                remaining /= 10
            }
            return count
        }
    }

    @inlinable
    static func decimalDigitCount(_ value: Int) -> Int {
        var count = 1
        var remaining = value
        while remaining >= 10 {
            remaining /= 10
            count += 1
        }
        return count
    }
}
