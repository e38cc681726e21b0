import NIOCore

/// `str16`: a UTF-8 string prefixed by its byte length.
///
/// ```
/// +---------------+---------------------------+
/// | length: u16   | length bytes of UTF-8     |
/// +---------------+---------------------------+
/// ```
extension ByteBuffer {
    /// Appends `string` as a str16.
    ///
    /// - Parameters:
    ///   - string: The string to write; more than 65,535 UTF-8 bytes is a programming error.
    mutating func writeStr16(_ string: String) {
        let byteCount = string.utf8.count
        precondition(byteCount <= UInt16.max, "str16 cannot hold \(byteCount) bytes")
        self.writeInteger(UInt16(byteCount))
        self.writeString(string)
    }

    /// Reads a str16, rejecting it unless it is complete, valid UTF-8 and short enough.
    ///
    /// - Parameters:
    ///   - field: The field's name, for the error message.
    ///   - maxLength: The largest byte length the field's format allows.
    /// - Returns: The decoded string.
    mutating func readStr16(_ field: StaticString, maxLength: Int = Int(UInt16.max)) throws(WireError) -> String {
        let length = Int(try self.readField(field, as: UInt16.self))
        guard length <= maxLength else {
            throw WireError(.badFrame, "\(field) is \(length) bytes long; at most \(maxLength) are allowed")
        }
        guard let bytes = self.readSlice(length: length) else {
            throw WireError(.badFrame, "truncated payload: \(field) needs \(length) bytes, \(self.readableBytes) left")
        }
        // String(decoding:) repairs invalid input with U+FFFD instead of failing, so a changed byte sequence is
        // how invalid UTF-8 shows. (String(validating:) would say it directly but needs macOS 15.)
        let string = String(decoding: bytes.readableBytesView, as: UTF8.self)
        guard string.utf8.count == length, string.utf8.elementsEqual(bytes.readableBytesView) else {
            throw WireError(.badFrame, "\(field) is not valid UTF-8")
        }
        return string
    }
}
