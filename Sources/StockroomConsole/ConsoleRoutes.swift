import Foundation
import Hummingbird
import Logging
import NIOCore
import StockroomPipeline

/// The console's routes, added to a Hummingbird router (the side port's, or `stockroom console`'s own).
///
/// ```
/// GET /console/                 the overview (HTML)
/// GET /console/overview/live    the overview's changing part (HTML fragment), what the page refreshes
/// GET /console/overview.json    the same figures as JSON, for scripts
/// GET /console/streams          each topic, group and partition, with its node
/// GET /console/dead-letters     every group's dead letters, newest first, paged and filtered:
///                               ?group=topic/group&sku=&error=&since=&until= (UTC) &after=<cursor>&size=
/// GET /console/dead-letters/show?group=topic/group&ref=p3:<id>    one dead letter's whole context
/// GET /console/dead-letters/field?group=…&ref=…&name=…            one original field's whole value
/// GET /console/assets/…         the stylesheet and the script
/// ```
/// Every route answers only callers ``ConsoleAccess`` allows: 403 or 401 otherwise, before any read.
public enum ConsoleRoutes {
    public static func add<Context: RemoteAddressRequestContext>(
        to router: Router<Context>,
        data: ConsoleData,
        access: ConsoleAccess,
        logger: Logger
    ) {
        let console = router.group("console").add(middleware: ConsoleAccessMiddleware(access: access, logger: logger))
        console.get("/") { _, _ in
            html(OverviewPage.render(try await data.overview()))
        }
        console.get("overview/live") { _, _ in
            html(OverviewPage.live(try await data.overview()))
        }
        console.get("overview.json") { _, _ in
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            return Response(
                status: .ok,
                headers: [.contentType: "application/json", .cacheControl: "no-store"],
                body: ResponseBody(byteBuffer: ByteBuffer(bytes: try encoder.encode(try await data.overview())))
            )
        }
        console.get("streams") { _, _ in
            html(StreamsPage.render(await data.streamRows()))
        }
        console.get("dead-letters") { request, _ in
            let parameters = request.uri.queryParameters
            var filter = DeadLettersPage.Filter()
            filter.group = parameters["group"].map(String.init) ?? ""
            filter.sku = parameters["sku"].map(String.init) ?? ""
            filter.error = parameters["error"].map(String.init) ?? ""
            filter.since = parameters["since"].map(String.init) ?? ""
            filter.until = parameters["until"].map(String.init) ?? ""
            let subscription = data.subscription(named: filter.group)
            if !filter.group.isEmpty, subscription == nil {
                return text(.badRequest, "no group \(filter.group); groups are topic/group, e.g. stock-empty/factory\n")
            }
            let query = DeadLetterQuery(
                subscription: subscription, sku: filter.sku.isEmpty ? nil : filter.sku, errorText: filter.error.isEmpty ? nil : filter.error,
                since: DeadLettersPage.milliseconds(fromLocalTime: filter.since),
                until: DeadLettersPage.milliseconds(fromLocalTime: filter.until).map { $0 + 59_999 },
                after: parameters["after"].flatMap { DeadLetterCursor(String($0)) },
                pageSize: parameters["size"].flatMap { Int(String($0)) } ?? 50
            )
            let groups = data.subscriptions.map { "\($0.topic.rawValue)/\($0.group)" }
            return html(DeadLettersPage.render(try await data.deadLetterPage(query), filter: filter, groups: groups, pageSize: query.pageSize))
        }
        console.get("dead-letters/show") { request, _ in
            let parameters = request.uri.queryParameters
            let group = parameters["group"].map(String.init) ?? ""
            guard let letter = try await data.deadLetter(group: group, reference: parameters["ref"].map(String.init) ?? "") else {
                return text(.notFound, "no such dead letter\n")
            }
            return html(DeadLettersPage.renderDetail(letter, group: group))
        }
        console.get("dead-letters/field") { request, _ in
            let parameters = request.uri.queryParameters
            guard let letter = try await data.deadLetter(
                group: parameters["group"].map(String.init) ?? "", reference: parameters["ref"].map(String.init) ?? ""
            ), let value = parameters["name"].flatMap({ letter.fields[String($0)] })
            else {
                return text(.notFound, "no such dead letter or field\n")
            }
            return text(.ok, value)
        }
        console.get("assets/console.css") { _, _ in
            asset(ConsoleAssets.css, type: "text/css; charset=utf-8")
        }
        console.get("assets/console.js") { _, _ in
            asset(ConsoleAssets.js, type: "text/javascript; charset=utf-8")
        }
    }

    static func html(_ text: String) -> Response {
        Response(
            status: .ok,
            headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store"],
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

/// Refuses callers the console's access rule does not allow, before any route reads Redis.
struct ConsoleAccessMiddleware<Context: RemoteAddressRequestContext>: RouterMiddleware {
    let access: ConsoleAccess
    let logger: Logger

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        switch access.decide(peer: context.remoteAddress, authorization: request.headers[.authorization]) {
        case .allowed:
            return try await next(request, context)
        case .notLoopback:
            logger.warning("console refused: not on loopback and no credentials", metadata: ["sr.peer": "\(context.remoteAddress.map { "\($0)" } ?? "unknown")"])
            return Response(
                status: .forbidden,
                headers: [.contentType: "text/plain; charset=utf-8"],
                body: ResponseBody(byteBuffer: ByteBuffer(string: "the console answers loopback callers only while no credentials are configured\n"))
            )
        case .needsToken:
            return Response(
                status: .unauthorized,
                headers: [.contentType: "text/plain; charset=utf-8", .wwwAuthenticate: "Bearer"],
                body: ResponseBody(byteBuffer: ByteBuffer(string: "an ops or admin token is required: Authorization: Bearer <token>\n"))
            )
        }
    }
}
