import NIOConcurrencyHelpers

/// The credentials in force. Replaced whole on reload (SIGHUP); each connection reads them when it
/// says HELLO and when it authenticates, so a reload applies to every AUTH after it, and connections
/// already authenticated keep their role.
public final class CredentialStore: Sendable {
    private let box: NIOLockedValueBox<Credentials>

    public init(_ credentials: Credentials) {
        self.box = NIOLockedValueBox(credentials)
    }

    public var current: Credentials { box.withLockedValue { $0 } }

    /// Puts `credentials` in force. A server that requires authentication never becomes open by a
    /// reload: an empty set is refused (a truncated or emptied file must not let everyone in).
    public func replace(with credentials: Credentials) throws(CredentialFileError) {
        let replaced = box.withLockedValue { current in
            if current.authenticationRequired, !credentials.authenticationRequired { return false }
            current = credentials
            return true
        }
        guard replaced else {
            throw CredentialFileError("the new credentials are empty: keeping the old ones (an empty file would open the server)")
        }
    }
}
