import Foundation
import Hummingbird
import Logging
import NIOCore
import StockroomCore
import StockroomPipeline
import StockroomRedis

/// The console's routes, added to a Hummingbird router (the side port's, or `stockroom console`'s own).
///
/// ```
/// GET  /console/                  the overview (HTML)
/// GET  /console/overview/live     the overview's changing part (HTML fragment), what the page refreshes
/// GET  /console/overview.json     the same figures as JSON, for scripts
/// GET  /console/streams           each topic, group and partition, with its node
/// GET  /console/dead-letters      every group's dead letters, newest first, paged and filtered:
///                                 ?group=topic/group&sku=&error=&since=&until= (UTC) &after=<cursor>&size=
/// GET  /console/dead-letters/show?group=topic/group&ref=p3:<id>    one dead letter's whole context
/// GET  /console/dead-letters/field?group=…&ref=…&name=…            one original field's whole value
/// POST /console/dead-letters/act  action=redrive|purge, scope=selected (ref=topic/group|p3:<id>…) or
///                                 scope=filter (group, sku, error, since, until); a preview unless confirm=1;
///                                 a confirmed filter starts a bulk job; admin only, with the session's csrf
/// GET  /console/dead-letters/jobs           the newest bulk jobs
/// GET  /console/dead-letters/jobs/show?id=  one job's progress (the page refreshes /jobs/live?id=)
/// POST /console/dead-letters/jobs/cancel    id: stop it after the batch under way; admin, csrf
/// GET  /console/audit            every redrive and purge, newest first: ?after=<cursor>&size=
/// GET  /console/login, POST /console/login (token), POST /console/logout (csrf)
/// GET  /console/assets/…          the stylesheet and the script
/// GET  /console/skus               SKUs by name: ?prefix=&after=<last SKU>&size=
/// POST /console/skus/adjust        sku, units, change=add|remove: one atomic stock change; admin, csrf
/// GET  /console/orders             factory orders, newest state change first: ?state=&sku=&after=<cursor>&size=
/// GET  /console/orders/show?ref=SKU@n   one order's timeline and fields
/// POST /console/orders/act         ref, action=cancel|retry; admin, csrf
/// ```
/// ``ConsoleGate`` decides every request before it reads or changes anything.
public enum ConsoleRoutes {
    /// Largest form body accepted (a selection of dead letters is its largest part).
    static let maximumFormBytes = 256 * 1024

    public static func add<Context: RemoteAddressRequestContext>(
        to router: Router<Context>,
        data: ConsoleData,
        access: ConsoleAccess,
        sessions: ConsoleSessions = ConsoleSessions(),
        servedOverTLS: Bool = false,
        logger: Logger
    ) {
        let gate = ConsoleGate(access: access, sessions: sessions, logger: logger)
        let console = router.group("console")
        let routes = GatedRoutes(console: console, gate: gate, logger: logger)
        let read = routes.read
        addSKURoutes(routes, data: data)
        addOrderRoutes(routes, data: data)
        addDeadLetterRoutes(routes, data: data, jobs: BulkJobs(data: data, rate: data.redriveRate, logger: logger))

        read("/") { _, viewer in html(OverviewPage.render(try await data.overview(), viewer: viewer)) }
        read("overview/live") { _, _ in html(OverviewPage.live(try await data.overview())) }
        read("overview.json") { _, _ in
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            return Response(
                status: .ok,
                headers: [.contentType: "application/json", .cacheControl: "no-store"],
                body: ResponseBody(byteBuffer: ByteBuffer(bytes: try encoder.encode(try await data.overview())))
            )
        }
        read("streams") { _, viewer in html(StreamsPage.render(await data.streamRows(), viewer: viewer)) }
        read("audit") { parameters, viewer in
            let size = pageSize(parameters["size"], maximum: DeadLetterQuery.maximumPageSize)
            let (records, next) = try await RedriveAudit.page(
                keys: data.keys, redis: data.redis, after: parameters["after"].flatMap(StreamPageCursor.init), pageSize: size
            )
            return html(AuditPage.render(records, next: next, pageSize: size, viewer: viewer))
        }

        console.get("login") { _, _ in
            html(LoginPage.render(credentialsConfigured: access.allowsActions))
        }
        console.post("login") { request, _ in
            guard case .credentials(let identify) = access else {
                return text(.methodNotAllowed, "no credentials are configured: there is nothing to log in to\n")
            }
            var request = request
            let form = try await readForm(&request)
            guard let user = form["token"]?.first.flatMap(identify) else {
                logger.warning("console login refused: not an ops or admin token")
                var response = html(LoginPage.render(message: "That is not an ops or admin token.", credentialsConfigured: true))
                response.status = .unauthorized
                return response
            }
            let session = sessions.open(for: user)
            logger.info("console login", metadata: ["sr.user": "\(user.name)", "sr.admin": "\(user.mayAct)"])
            return Response(
                status: .seeOther,
                headers: [.location: "/console/", .setCookie: sessionCookie(
                    session.id, maxAge: Int(ConsoleSessions.lifetime.components.seconds), secure: servedOverTLS || arrivedOverTLS(request)
                )]
            )
        }
        console.post("logout") { request, context in
            var request = request
            let form = try await readForm(&request)
            if case .success(let viewer) = gate.admit(request, peer: context.remoteAddress), let session = viewer.session,
                form["csrf"]?.first == session.csrfToken
            {
                sessions.close(session.id)
            }
            return Response(status: .seeOther, headers: [.location: "/console/login", .setCookie: sessionCookie("", maxAge: 0, secure: servedOverTLS || arrivedOverTLS(request))])
        }

        console.get("assets/console.css") { _, _ in asset(ConsoleAssets.css, type: "text/css; charset=utf-8") }
        console.get("assets/console.js") { _, _ in asset(ConsoleAssets.js, type: "text/javascript; charset=utf-8") }
    }

    /// The console's routes behind its gate: `read` admits viewers, `change` admins with their CSRF token.
    struct GatedRoutes<Context: RemoteAddressRequestContext>: Sendable {
        let console: RouterGroup<Context>
        let gate: ConsoleGate
        let logger: Logger

        /// A page or an answer for an admitted viewer, given the query's parameters (each name's first
        /// value); the gate's refusal for anyone else.
        func read(_ path: RouterPath, _ body: @escaping @Sendable ([String: String], ConsoleViewer) async throws -> Response) {
            console.get(path) { [gate, logger] request, context in
                switch gate.admit(request, peer: context.remoteAddress) {
                case .failure(let refusal): return refusal.response
                case .success(let viewer):
                    let parameters = formFields(request.uri.query ?? "").compactMapValues(\.first)
                    return await answering(logger) { try await body(parameters, viewer) }
                }
            }
        }

        /// A change an admin posts as a form; the gate's refusal for anyone else, before anything changes.
        func change(_ path: RouterPath, _ body: @escaping @Sendable ([String: [String]], ConsoleViewer) async throws -> Response) {
            console.post(path) { [gate, logger] request, context in
                var request = request
                let form = try await readForm(&request)
                switch gate.admitChange(request, peer: context.remoteAddress, form: form) {
                case .failure(let refusal): return refusal.response
                case .success(let viewer): return await answering(logger) { try await body(form, viewer) }
                }
            }
        }
    }

    /// `body`'s response, or a clear one when it failed: 503 while Redis (or a partition's node) does
    /// not answer, 500 otherwise, with the error's text.
    static func answering(_ logger: Logger, _ body: () async throws -> Response) async -> Response {
        do {
            return try await body()
        } catch let error as RedisError where error.isUnavailable {
            return text(.serviceUnavailable, "Redis did not answer; try again in a moment: \(error)\n")
        } catch {
            logger.error("console request failed", metadata: ["sr.error": "\(error)"])
            return text(.internalServerError, "the console failed: \(error)\n")
        }
    }

    /// The session cookie: never readable by scripts, never sent by another site's request.
    /// `Secure` when the browser reached the console over TLS, so the cookie never travels in clear.
    static func sessionCookie(_ value: String, maxAge: Int, secure: Bool) -> String {
        "\(ConsoleSessions.cookie)=\(value); Path=/console; HttpOnly; SameSite=Strict; Max-Age=\(maxAge)\(secure ? "; Secure" : "")"
    }

    /// Whether a TLS proxy in front of a plain-HTTP console says the browser came over TLS
    /// (`X-Forwarded-Proto: https` or `Forwarded: proto=https`). A client that claims it falsely only
    /// gets a stricter cookie.
    static func arrivedOverTLS(_ request: Request) -> Bool {
        if request.headers[values: .init("X-Forwarded-Proto")!].contains(where: { $0.lowercased() == "https" }) { return true }
        return request.headers[values: .init("Forwarded")!].contains { $0.lowercased().contains("proto=https") }
    }

    /// An `application/x-www-form-urlencoded` body, each name with its values in order.
    static func readForm(_ request: inout Request) async throws -> [String: [String]] {
        formFields(String(buffer: try await request.collectBody(upTo: maximumFormBytes)))
    }

    /// `a=1&b=x+y&b=%2B` as `["a": ["1"], "b": ["x y", "+"]]`: how browsers encode a form, in a body
    /// or in a GET form's query (`+` is a space there; Hummingbird's own query parsing keeps it a `+`).
    static func formFields(_ encoded: String) -> [String: [String]] {
        var form: [String: [String]] = [:]
        for pair in encoded.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1).map {
                $0.replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? ""
            }
            guard let name = parts.first, !name.isEmpty else { continue }
            form[name, default: []].append(parts.count > 1 ? parts[1] : "")
        }
        return form
    }

    static func html(_ text: String) -> Response {
        Response(
            status: .ok,
            headers: [
                .contentType: "text/html; charset=utf-8", .cacheControl: "no-store",
                // Only the console's own script and stylesheet run; no other site may frame it.
                .init("Content-Security-Policy")!: "default-src 'self'; frame-ancestors 'none'; form-action 'self'",
            ],
            body: ResponseBody(byteBuffer: ByteBuffer(string: text))
        )
    }

    /// Plain text, as a browser shows it and never runs it.
    static func text(_ status: HTTPResponse.Status, _ body: String) -> Response {
        Response(
            status: status,
            headers: [.contentType: "text/plain; charset=utf-8", .xContentTypeOptions: "nosniff"],
            body: ResponseBody(byteBuffer: ByteBuffer(string: body))
        )
    }

    static func asset(_ text: String, type: String) -> Response {
        Response(status: .ok, headers: [.contentType: type], body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }
}
