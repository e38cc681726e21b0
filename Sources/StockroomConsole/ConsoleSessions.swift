import NIOConcurrencyHelpers
import StockroomCore

/// A browser's login to the console: who, and the token its forms must carry (CSRF).
public struct ConsoleSession: Sendable, Hashable {
    public let id: String
    public let user: ConsoleUser
    /// Every form that changes something carries it; a request from another site cannot know it.
    public let csrfToken: String
    let expires: ContinuousClock.Instant
}

/// The console's sessions, in this process's memory: a restart logs everyone out.
///
/// Bounded: past ``capacity``, logging in drops the session that expires first.
public final class ConsoleSessions: Sendable {
    public static let lifetime: Duration = .seconds(8 * 3600)
    public static let capacity = 1024
    /// The cookie's name.
    public static let cookie = "stockroom_console"

    private let sessions = NIOLockedValueBox<[String: ConsoleSession]>([:])

    public init() {}

    public func open(for user: ConsoleUser) -> ConsoleSession {
        let session = ConsoleSession(
            id: RandomToken.make(), user: user, csrfToken: RandomToken.make(), expires: .now + Self.lifetime
        )
        sessions.withLockedValue { sessions in
            let now = ContinuousClock.now
            sessions = sessions.filter { $0.value.expires > now }
            if sessions.count >= Self.capacity, let soonest = sessions.min(by: { $0.value.expires < $1.value.expires }) {
                sessions[soonest.key] = nil
            }
            sessions[session.id] = session
        }
        return session
    }

    /// The live session `id` names; nil when unknown or expired.
    public func session(_ id: String?) -> ConsoleSession? {
        guard let id, !id.isEmpty else { return nil }
        return sessions.withLockedValue { sessions in
            guard let session = sessions[id] else { return nil }
            guard session.expires > .now else {
                sessions[id] = nil
                return nil
            }
            return session
        }
    }

    public func close(_ id: String) {
        sessions.withLockedValue { _ = $0.removeValue(forKey: id) }
    }
}
