import Metrics
import StockroomWire

/// Who may use a server, shared by all its connections: the credentials in force (reloadable), the
/// failed-AUTH throttle, and their metrics.
public struct ServerAccess: Sendable {
    public let credentials: CredentialStore
    let throttle: AuthenticationThrottle
    let metrics: AuthenticationMetrics

    /// Whether `token` may read operators' views (the side port's /metrics): an ops or admin credential.
    public func mayObserve(token: String) -> Bool {
        guard let role = credentials.current.credential(for: token)?.role else { return false }
        return role == .ops || role == .admin
    }

    /// Who `token` is, when it is an operator's (ops or admin): its credential's name, and whether
    /// it may change data (admin). Nil for any other token.
    public func operatorIdentity(token: String) -> (name: String, isAdmin: Bool)? {
        guard let credential = credentials.current.credential(for: token), credential.role == .ops || credential.role == .admin
        else { return nil }
        return (credential.name, credential.role == .admin)
    }

    public init(credentials: Credentials) {
        self.credentials = CredentialStore(credentials)
        self.throttle = AuthenticationThrottle()
        self.metrics = AuthenticationMetrics()
    }
}

/// `stockroom_auth_total{result}`: `ok_<role>`, `wrong_token` or `throttled`.
struct AuthenticationMetrics: Sendable {
    private let wrongToken = Counter(label: ServerMetricFamilies.authentications.name, dimensions: [("result", "wrong_token")])
    private let throttled = Counter(label: ServerMetricFamilies.authentications.name, dimensions: [("result", "throttled")])

    func succeeded(_ role: Role) {
        Counter(label: ServerMetricFamilies.authentications.name, dimensions: [("result", "ok_\(role.name)")]).increment()
    }

    func failed(throttled isThrottled: Bool) {
        (isThrottled ? throttled : wrongToken).increment()
    }
}
