// Hand-written RESP2 command encoding (an array of bulk strings) straight into a ByteBuffer.
//
// Each command is sized first and then written with raw pointer stores inside one
// writeWithUnsafeMutableBytes: ByteBuffer's per-call bookkeeping (uniqueness and exclusivity checks)
// would otherwise cost more than the copying for the ~25 small pieces of an EVALSHA.

import NIOCore

extension ByteBuffer {
    mutating func writeRESPCommand(_ arguments: [String]) {
        var size = RESPWriter.arrayHeaderSize(count: arguments.count)
        for argument in arguments {
            size += RESPWriter.bulkStringSize(utf8Count: argument.utf8.count)
        }
        self.writeWithUnsafeMutableBytes(minimumWritableBytes: size) { buffer in
            var writer = RESPWriter(buffer)
            writer.writeArrayHeader(count: arguments.count)
            for argument in arguments {
                writer.writeBulkString(argument)
            }
            return writer.finish(expectedSize: size)
        }
    }

    /// `EVALSHA sha numkeys key… arg…`, without building an argument array first.
    mutating func writeRESPEvalSHA(sha1: String, keys: [String], arguments: [String]) {
        let count = 3 + keys.count + arguments.count
        var size =
            RESPWriter.arrayHeaderSize(count: count) + RESPWriter.bulkStringSize(utf8Count: 7)
            + RESPWriter.bulkStringSize(utf8Count: sha1.utf8.count)
            + RESPWriter.bulkStringSize(utf8Count: RESPWriter.decimalDigitCount(keys.count))
        for key in keys {
            size += RESPWriter.bulkStringSize(utf8Count: key.utf8.count)
        }
        for argument in arguments {
            size += RESPWriter.bulkStringSize(utf8Count: argument.utf8.count)
        }
        self.writeWithUnsafeMutableBytes(minimumWritableBytes: size) { buffer in
            var writer = RESPWriter(buffer)
            writer.writeArrayHeader(count: count)
            writer.writeBulkString("EVALSHA")
            writer.writeBulkString(sha1)
            writer.writeBulkString(decimal: keys.count)
            for key in keys {
                writer.writeBulkString(key)
            }
            for argument in arguments {
                writer.writeBulkString(argument)
            }
            return writer.finish(expectedSize: size)
        }
    }

    /// ASCII digits of a non-negative `value`.
    mutating func writeRESPDecimal(_ value: Int) {
        let size = RESPWriter.decimalDigitCount(value)
        self.writeWithUnsafeMutableBytes(minimumWritableBytes: size) { buffer in
            var writer = RESPWriter(buffer)
            writer.writeDecimal(value)
            return writer.finish(expectedSize: size)
        }
    }
}

/// Writes RESP pieces into memory already reserved for them (sizes computed by the static helpers).
struct RESPWriter {
    private let base: UnsafeMutableRawBufferPointer
    private var offset = 0

    init(_ base: UnsafeMutableRawBufferPointer) {
        self.base = base
    }

    static func arrayHeaderSize(count: Int) -> Int {
        1 + decimalDigitCount(count) + 2
    }

    static func bulkStringSize(utf8Count: Int) -> Int {
        1 + decimalDigitCount(utf8Count) + 2 + utf8Count + 2
    }

    static func decimalDigitCount(_ value: Int) -> Int {
        precondition(value >= 0, "RESP lengths and counts are never negative")
        var count = 1
        var remaining = value
        while remaining >= 10 {
            remaining /= 10
            count += 1
        }
        return count
    }

    mutating func writeArrayHeader(count: Int) {
        self.writeByte(UInt8(ascii: "*"))
        self.writeDecimal(count)
        self.writeCRLF()
    }

    mutating func writeBulkString(_ string: String) {
        var string = string
        // Native Swift strings are contiguous UTF-8 already, so this never copies them.
        string.withUTF8 { utf8 in
            self.writeByte(UInt8(ascii: "$"))
            self.writeDecimal(utf8.count)
            self.writeCRLF()
            if let source = utf8.baseAddress, utf8.count > 0 {
                (self.base.baseAddress! + self.offset).copyMemory(from: source, byteCount: utf8.count)
                self.offset += utf8.count
            }
            self.writeCRLF()
        }
    }

    mutating func writeBulkString(decimal value: Int) {
        self.writeByte(UInt8(ascii: "$"))
        self.writeDecimal(Self.decimalDigitCount(value))
        self.writeCRLF()
        self.writeDecimal(value)
        self.writeCRLF()
    }

    mutating func writeDecimal(_ value: Int) {
        let count = Self.decimalDigitCount(value)
        var remaining = value
        var index = self.offset + count
        while index > self.offset {
            index -= 1
            self.base[index] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: remaining % 10)
            remaining /= 10
        }
        self.offset += count
    }

    private mutating func writeCRLF() {
        self.base[self.offset] = UInt8(ascii: "\r")
        self.base[self.offset + 1] = UInt8(ascii: "\n")
        self.offset += 2
    }

    private mutating func writeByte(_ byte: UInt8) {
        self.base[self.offset] = byte
        self.offset += 1
    }

    func finish(expectedSize: Int) -> Int {
        precondition(self.offset == expectedSize, "RESP size computed as \(expectedSize) but \(self.offset) bytes written")
        return self.offset
    }
}
