import Foundation
import Hummingbird
import Logging
import NIOCore

/// Who is looking at a console page, once the gate let them in.
struct ConsoleViewer: Sendable {
    /// nil: the local user of a console without credentials.
    var user: ConsoleUser?
    /// The browser session, when the viewer came with its cookie rather than a bearer token.
    var session: ConsoleSession?

    var mayAct: Bool { user?.mayAct ?? false }
}

/// Decides every console request before it reads or changes anything: who the caller is, and for a
/// change, whether they may make it and their form carries their session's CSRF token.
struct ConsoleGate: Sendable {
    let access: ConsoleAccess
    let sessions: ConsoleSessions
    let logger: Logger

    /// The viewer, or the response that refuses them (403 off loopback; without a login, the login
    /// page for a page, 401 for anything else).
    func admit(_ request: Request, peer: SocketAddress?) -> Result<ConsoleViewer, RefusedRequest> {
        let session = sessions.session(Self.cookie(ConsoleSessions.cookie, in: request))
        switch access.decide(peer: peer, authorization: request.headers[.authorization], session: session) {
        case .local:
            return .success(ConsoleViewer(user: nil, session: nil))
        case .bearer(let user):
            return .success(ConsoleViewer(user: user, session: nil))
        case .session(let session):
            return .success(ConsoleViewer(user: session.user, session: session))
        case .notLoopback:
            logger.warning("console refused: not on loopback and no credentials", metadata: ["sr.peer": "\(peer.map { "\($0)" } ?? "unknown")"])
            return .failure(RefusedRequest(ConsoleRoutes.text(.forbidden, "the console answers loopback callers only while no credentials are configured\n")))
        case .needsLogin:
            if request.method == .get, request.headers[.accept]?.contains("text/html") == true {
                return .failure(RefusedRequest(Response(status: .seeOther, headers: [.location: "/console/login"])))
            }
            var response = ConsoleRoutes.text(.unauthorized, "an ops or admin token is required: log in, or send Authorization: Bearer <token>\n")
            response.headers[.wwwAuthenticate] = "Bearer"
            return .failure(RefusedRequest(response))
        }
    }

    /// The viewer, when they may make a change with this form; else the refusal: 405 while the console
    /// has no credentials, 403 for an ops user, and 403 for a session form without its CSRF token.
    func admitChange(_ request: Request, peer: SocketAddress?, form: [String: [String]]) -> Result<ConsoleViewer, RefusedRequest> {
        guard access.allowsActions else {
            var response = ConsoleRoutes.text(.methodNotAllowed, "the console is read-only without credentials: start the server with --credentials\n")
            response.headers[.allow] = "GET"
            return .failure(RefusedRequest(response))
        }
        let viewer: ConsoleViewer
        switch admit(request, peer: peer) {
        case .failure(let refusal): return .failure(refusal)
        case .success(let admitted): viewer = admitted
        }
        guard viewer.mayAct else {
            return .failure(RefusedRequest(ConsoleRoutes.text(.forbidden, "only an admin may change data; \(viewer.user?.name ?? "you") may read\n")))
        }
        if let session = viewer.session, form["csrf"]?.first != session.csrfToken {
            logger.warning("console change refused: no valid CSRF token", metadata: ["sr.user": "\(session.user.name)"])
            return .failure(RefusedRequest(ConsoleRoutes.text(.forbidden, "the form's CSRF token is missing or stale: reload the page\n")))
        }
        return .success(viewer)
    }

    /// The value of cookie `name` in the request's `Cookie` header.
    static func cookie(_ name: String, in request: Request) -> String? {
        for header in request.headers[values: .cookie] {
            for pair in header.split(separator: ";") {
                let parts = pair.trimmingCharacters(in: .whitespaces).split(separator: "=", maxSplits: 1)
                if parts.count == 2, parts[0] == name { return String(parts[1]) }
            }
        }
        return nil
    }
}

/// A response that refuses a request (an `Error` only so that it fits in a `Result`).
struct RefusedRequest: Error, @unchecked Sendable {
    let response: Response

    init(_ response: Response) {
        self.response = response
    }
}
