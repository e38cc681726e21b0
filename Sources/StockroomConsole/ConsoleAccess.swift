import NIOCore

/// Who may read the console.
///
/// Without credentials the server trusts everyone who can reach it (the local default), so the
/// console answers only callers on the loopback interface, whatever address the side port listens
/// on. With credentials, a caller needs an ops or admin token, as for `/metrics`: `Authorization:
/// Bearer <token>`. The console only reads for now: nothing it serves changes any data.
public enum ConsoleAccess: Sendable {
    case loopbackOnly
    case token(@Sendable (_ token: String) -> Bool)

    public enum Decision: Sendable, Equatable {
        case allowed
        /// 403: not on loopback, and no credentials to prove who it is.
        case notLoopback
        /// 401: a token is needed and this one (or none) does not do.
        case needsToken
    }

    public func decide(peer: SocketAddress?, authorization: String?) -> Decision {
        switch self {
        case .loopbackOnly:
            return Self.isLoopback(peer) ? .allowed : .notLoopback
        case .token(let authorize):
            let header = authorization ?? ""
            guard header.hasPrefix("Bearer "), authorize(String(header.dropFirst(7))) else { return .needsToken }
            return .allowed
        }
    }

    static func isLoopback(_ peer: SocketAddress?) -> Bool {
        switch peer {
        case .v4(let address):
            return address.address.sin_addr.s_addr.bigEndian >> 24 == 127
        case .v6:
            guard let ip = peer?.ipAddress else { return false }
            return ip == "::1" || ip.hasPrefix("::ffff:127.")
        default:
            return false
        }
    }
}
