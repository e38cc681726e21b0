import NIOCore

/// Field readers for payload decoding: each throws `BAD_FRAME` naming the field, instead of returning `nil`,
/// so a message decoder reads as a plain list of its fields.
extension ByteBuffer {
    /// Reads one big-endian integer field.
    ///
    /// - Parameters:
    ///   - field: The field's name, for the error message.
    ///   - type: The field's wire type (`UInt8`, `UInt16`, `UInt32`, `Int64`).
    /// - Returns: The value.
    mutating func readField<Value: FixedWidthInteger>(
        _ field: StaticString,
        as type: Value.Type = Value.self
    ) throws(WireError) -> Value {
        guard let value = self.readInteger(as: Value.self) else {
            throw WireError(
                .badFrame,
                "truncated payload: \(field) needs \(MemoryLayout<Value>.size) bytes, \(self.readableBytes) left"
            )
        }
        return value
    }

    /// Reads a u8 bit field, rejecting bits outside `defined`.
    ///
    /// - Parameters:
    ///   - field: The field's name, for the error message.
    ///   - defined: The bits this version gives a meaning; every other bit is reserved and must be 0.
    /// - Returns: The byte.
    mutating func readBits(_ field: StaticString, defined: UInt8) throws(WireError) -> UInt8 {
        let bits = try self.readField(field, as: UInt8.self)
        let reserved = bits & ~defined
        guard reserved == 0 else {
            throw WireError(.badFrame, "reserved bits 0x\(hex(reserved, digits: 2)) set in \(field)")
        }
        return bits
    }

    /// Reads a u8 enumeration, rejecting values this version does not define.
    ///
    /// - Parameters:
    ///   - field: The field's name, for the error message.
    ///   - type: The enumeration.
    /// - Returns: The case.
    mutating func readEnumeration<Value: RawRepresentable>(
        _ field: StaticString,
        as type: Value.Type = Value.self
    ) throws(WireError) -> Value where Value.RawValue == UInt8 {
        let raw = try self.readField(field, as: UInt8.self)
        guard let value = Value(rawValue: raw) else {
            throw WireError(.badFrame, "unknown \(field) \(raw)")
        }
        return value
    }

    /// Fails unless every payload byte has been read.
    func expectFullyRead() throws(WireError) {
        guard self.readableBytes == 0 else {
            throw WireError(.badFrame, "\(self.readableBytes) trailing bytes after the payload")
        }
    }
}
