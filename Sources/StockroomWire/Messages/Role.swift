/// What an authenticated connection may do; the payload of AUTH_OK (0x82).
///
/// ```
///  0
/// +--------+
/// | role   |
/// | u8     |
/// +--------+
/// ```
public enum Role: UInt8, Sendable {
    /// May PURCHASE and STOCK_GET.
    case sales = 1
    /// May also STOCK_SET.
    case admin = 2
}
