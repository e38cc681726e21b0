/// What an authenticated connection may do; the payload of AUTH_OK (0x82).
///
/// ```
///  0
/// +--------+
/// | role   |
/// | u8     |
/// +--------+
/// ```
public enum Role: UInt8, Sendable, CaseIterable {
    /// May PURCHASE and STOCK_GET.
    case sales = 1
    /// May do everything: also STOCK_SET and STOCK_ADJUST.
    case admin = 2
    /// May read: STOCK_GET (operators and the console; it cannot buy or change stock). Protocol version
    /// 2 and later: a version 1 connection cannot authenticate with an ops credential.
    case ops = 3

    /// The role's name in credential files and logs: `sales`, `admin`, `ops`.
    public var name: String {
        switch self {
        case .sales: "sales"
        case .admin: "admin"
        case .ops: "ops"
        }
    }

    public init?(name: String) {
        guard let role = Self.allCases.first(where: { $0.name == name }) else { return nil }
        self = role
    }
}
