// HashSlot: which of Redis Cluster's 16,384 slots a key lives in (the cluster spec's key hashing).

/// `CRC16(hash tag of key) mod 16384`, as in the Redis Cluster specification.
///
/// The hash tag is what lies between the first `{` and the first `}` after it, when that is not
/// empty; otherwise the whole key is hashed. So `{p7}:sku:A` and `{p7}:sku-names` share a slot, which is
/// what lets one script touch both on a cluster.
public enum HashSlot {
    public static let count = 16384

    public static func of(key: String) -> Int {
        let utf8 = key.utf8
        if let open = utf8.firstIndex(of: UInt8(ascii: "{")) {
            let afterOpen = utf8.index(after: open)
            if let close = utf8[afterOpen...].firstIndex(of: UInt8(ascii: "}")), close > afterOpen {
                return Int(crc16(utf8[afterOpen..<close]) % UInt16(count))
            }
        }
        return Int(crc16(utf8) % UInt16(count))
    }

    /// CRC16-XMODEM (polynomial 0x1021, initial value 0), the variant the cluster spec names.
    static func crc16(_ bytes: some Sequence<UInt8>) -> UInt16 {
        var crc: UInt16 = 0
        for byte in bytes {
            crc = (crc << 8) ^ table[Int(UInt8(truncatingIfNeeded: crc >> 8) ^ byte)]
        }
        return crc
    }

    /// One entry per value of the top byte: the CRC of that byte shifted through the polynomial.
    private static let table: [UInt16] = (0..<256).map { value in
        var crc = UInt16(value) << 8
        for _ in 0..<8 {
            crc = crc & 0x8000 != 0 ? (crc << 1) ^ 0x1021 : crc << 1
        }
        return crc
    }
}
