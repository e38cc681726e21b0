/// The rules a SKU name must follow before it may become part of a Redis key.
public enum SKU {
    public static let maximumLength = 64

    /// 1–64 bytes of `A–Z a–z 0–9 . _ : -`: safe in a key, a URL query and a log line.
    public static func validate(_ sku: String) throws(SalesError) {
        let bytes = sku.utf8
        guard !bytes.isEmpty, bytes.count <= maximumLength, bytes.allSatisfy(isAllowed) else {
            throw SalesError(
                .invalidArgument,
                "SKU must be 1-\(maximumLength) characters of A-Z a-z 0-9 . _ : -, got \"\(sku.prefix(80))\""
            )
        }
    }

    private static func isAllowed(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "."), UInt8(ascii: "_"),
            UInt8(ascii: ":"), UInt8(ascii: "-"):
            return true
        default:
            return false
        }
    }
}
