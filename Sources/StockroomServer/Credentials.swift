import StockroomWire

/// The tokens the server accepts and the role each grants.
///
/// With no tokens at all, authentication is off and every connection is an admin: the embedded,
/// single-machine default. With any token, a connection must AUTH before it may buy or read stock.
public struct Credentials: Sendable {
    private var roles: [String: Role] = [:]

    public init() {}

    /// - Parameters:
    ///   - salesToken: grants PURCHASE and STOCK_GET.
    ///   - adminToken: grants STOCK_SET as well.
    public init(salesToken: String?, adminToken: String?) {
        if let salesToken, !salesToken.isEmpty { roles[salesToken] = .sales }
        if let adminToken, !adminToken.isEmpty { roles[adminToken] = .admin }
    }

    public var authenticationRequired: Bool { !roles.isEmpty }

    /// The role of a connection that has not authenticated.
    var anonymousRole: Role? { authenticationRequired ? nil : .admin }

    /// The role `token` grants, comparing against every token in full so that timing says nothing
    /// about how much of a guess was right.
    func role(for token: String) -> Role? {
        var granted: Role?
        for (candidate, role) in roles where Self.constantTimeEquals(candidate, token) {
            granted = role
        }
        return granted
    }

    private static func constantTimeEquals(_ lhs: String, _ rhs: String) -> Bool {
        let left = Array(lhs.utf8)
        let right = Array(rhs.utf8)
        var difference = UInt8(truncatingIfNeeded: left.count ^ right.count)
        for index in 0..<max(left.count, right.count) {
            let a = index < left.count ? left[index] : 0
            let b = index < right.count ? right[index] : 0
            difference |= a ^ b
        }
        return difference == 0 && left.count == right.count
    }
}
