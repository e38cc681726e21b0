import Foundation
import StockroomTLS
import StockroomWire

/// One credential: who holds it, what it may do, and the SHA-256 of its token, never the token.
///
/// Tokens are 256 random bits, so a plain SHA-256 is as safe to keep as a slow password hash: no
/// dictionary holds them, and nobody can search 2^256 values.
public struct Credential: Sendable, Hashable {
    public var name: String
    public var role: Role
    /// SHA-256 of the token, 64 lower-case hex digits.
    public var tokenHash: String

    public init(name: String, role: Role, tokenHash: String) {
        self.name = name
        self.role = role
        self.tokenHash = tokenHash
    }

    /// A new credential with a fresh random token, and that token: shown once, kept nowhere.
    public static func generate(name: String, role: Role) -> (credential: Credential, token: String) {
        let token = "sr_" + Data(OpenSSLCrypto.randomBytes(32)).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
        return (Credential(name: name, role: role, tokenHash: hash(token)), token)
    }

    static func hash(_ token: String) -> String { OpenSSLCrypto.sha256Hex(Array(token.utf8)) }
}

/// The credentials the server accepts.
///
/// With none at all, authentication is off and every connection is an admin: the embedded,
/// single-machine default. With any, a connection must AUTH before it may buy or read stock.
public struct Credentials: Sendable {
    public private(set) var all: [Credential] = []

    public init() {}

    public init(_ credentials: [Credential]) {
        self.all = credentials
    }

    /// Development tokens given on the command line, hashed like the file's.
    ///
    /// - Parameters:
    ///   - salesToken: grants PURCHASE and STOCK_GET.
    ///   - adminToken: grants everything.
    public init(salesToken: String?, adminToken: String?) {
        if let salesToken, !salesToken.isEmpty {
            all.append(Credential(name: "--sales-token", role: .sales, tokenHash: Credential.hash(salesToken)))
        }
        if let adminToken, !adminToken.isEmpty {
            all.append(Credential(name: "--admin-token", role: .admin, tokenHash: Credential.hash(adminToken)))
        }
    }

    public var authenticationRequired: Bool { !all.isEmpty }

    /// The role of a connection that has not authenticated.
    var anonymousRole: Role? { authenticationRequired ? nil : .admin }

    /// The credential `token` belongs to. Its hash is compared with every stored hash in full, so
    /// the time taken says nothing about how close a guess came, or which credential matched.
    func credential(for token: String) -> Credential? {
        let hash = Array(Credential.hash(token).utf8)
        var found: Credential?
        for credential in all where Self.constantTimeEquals(Array(credential.tokenHash.utf8), hash) {
            found = credential
        }
        return found
    }

    private static func constantTimeEquals(_ left: [UInt8], _ right: [UInt8]) -> Bool {
        guard left.count == right.count else { return false }
        var difference: UInt8 = 0
        for index in left.indices { difference |= left[index] ^ right[index] }
        return difference == 0
    }
}
