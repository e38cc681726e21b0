import Foundation
import Hummingbird
import Logging
import NIOCore

/// The console's routes, added to a Hummingbird router (the side port's, or `stockroom console`'s own).
///
/// ```
/// GET /console/                 the overview (HTML)
/// GET /console/overview/live    the overview's changing part (HTML fragment), what the page refreshes
/// GET /console/overview.json    the same figures as JSON, for scripts
/// GET /console/streams          each topic, group and partition, with its node
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
