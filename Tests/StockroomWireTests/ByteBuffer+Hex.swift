import NIOCore

extension ByteBuffer {
    /// The readable bytes as lowercase hex without separators, the spelling of `vectors.json`.
    var lowercaseHex: String {
        let digits = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        text.reserveCapacity(self.readableBytes * 2)
        for byte in self.readableBytesView {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: text, as: UTF8.self)
    }

    /// Bytes written as hex; a malformed string is a broken fixture, so it stops the test run.
    init(hex: String) {
        do {
            self = try ByteBuffer(plainHexEncodedBytes: hex)
        } catch {
            fatalError("not hex: \(hex)")
        }
    }
}
