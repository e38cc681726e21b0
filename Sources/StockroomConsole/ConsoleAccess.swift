import NIOCore

/// Someone the console answers: an operator named by their credential, or, without credentials, the
/// local user at the loopback interface.
public struct ConsoleUser: Sendable, Hashable {
    public var name: String
    /// Admin: may redrive, purge, cancel and change stock. Ops, and the local user, only read.
    public var mayAct: Bool

    public init(name: String, mayAct: Bool) {
        self.name = name
        self.mayAct = mayAct
    }
}

/// Who may use the console.
///
/// Without credentials the server trusts everyone who can reach it (the local default), so the
/// console answers only callers on the loopback interface, whatever address the side port listens
/// on, and only reads: every change is refused (405). With credentials, a caller proves who they are
/// with an ops or admin token, either on each request (`Authorization: Bearer <token>`, for scripts)
/// or once, on the login page, for a session cookie; ops read, admin may also act.
public enum ConsoleAccess: Sendable {
    case loopbackOnly
    /// Who an operator's token names; nil for any other token.
    case credentials(@Sendable (_ token: String) -> ConsoleUser?)

    /// Whether the console may change anything at all.
    public var allowsActions: Bool {
        if case .credentials = self { return true }
        return false
    }

    public enum Decision: Sendable, Equatable {
        /// Proven by a bearer token (a script: no CSRF token needed, a browser never sends one by itself).
        case bearer(ConsoleUser)
        case session(ConsoleSession)
        /// The local user of a console without credentials.
        case local
        /// 403: not on loopback, and no credentials to prove who it is.
        case notLoopback
        /// 401, or the login page: a token or a session is needed and none (or a wrong one) came.
        case needsLogin
    }

    public func decide(peer: SocketAddress?, authorization: String?, session: ConsoleSession?) -> Decision {
        switch self {
        case .loopbackOnly:
            return Self.isLoopback(peer) ? .local : .notLoopback
        case .credentials(let identify):
            if let header = authorization, header.hasPrefix("Bearer ") {
                return identify(String(header.dropFirst(7))).map(Decision.bearer) ?? .needsLogin
            }
            return session.map(Decision.session) ?? .needsLogin
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
