import Hummingbird
import Logging
import NIOCore
import Prometheus
import ServiceLifecycle
import StockroomConsole
import StockroomHTTP
import StockroomRedis

/// Where the server's HTTP side port listens.
public struct SidePortConfiguration: Sendable {
    public var host = "127.0.0.1"
    /// 0 picks a free port; `SidePortService.listening` tells which.
    public var port = 7480
    /// Who may read /metrics (it reveals sales volume): nil lets anyone, else `Authorization: Bearer
    /// <token>` must satisfy it. /healthz is always open, and /arrival checks each order's own token.
    public var metricsAuthorization: (@Sendable (_ token: String) -> Bool)?
    /// Who may read the operator console under /console/.
    public var consoleAccess: ConsoleAccess = .loopbackOnly
    /// Dead letters the console's bulk redrives move per second.
    public var consoleRedriveRate = ConsoleData.defaultRedriveRate

    public init() {}

    /// The factory's callback endpoint on this side port.
    public var arrivalURL: String {
        let host = self.host.contains(":") ? "[\(self.host)]" : self.host
        return "http://\(host):\(port)/arrival"
    }
}

/// The server's HTTP side port: the factory's callbacks, health, metrics.
///
/// ```
/// POST /arrival?order=<SKU@n>&token=<t>   the factory's callback → stock-arrival; 200 (also for a repeat),
///                               400 malformed, 403 wrong token, 404 unknown order, 409 other quantity, 503 no Redis
/// GET  /healthz                 200 "ok" when Redis answers PING, else 503
/// GET  /metrics                 Prometheus text exposition of the registry
/// GET  /console/…               the operator console, when the side port has one (``ConsoleRoutes``)
/// ```
public enum SidePort {
    /// How long /healthz waits for PING.
    static let healthTimeout: Duration = .seconds(1)

    public static func router(
        intake: ArrivalIntake,
        redis: RedisConnection,
        registry: PrometheusCollectorRegistry,
        metricsAuthorization: (@Sendable (String) -> Bool)? = nil,
        console: (data: ConsoleData, access: ConsoleAccess)? = nil,
        logger: Logger
    ) -> Router<PeerRequestContext> {
        let router = Router(context: PeerRequestContext.self)
        if let console {
            ConsoleRoutes.add(to: router, data: console.data, access: console.access, logger: logger)
        }
        router.post("/arrival") { request, context -> Response in
            var request = request
            let body: ByteBuffer
            do {
                body = try await request.collectBody(upTo: ArrivalIntake.maximumBodyBytes)
            } catch {
                let refusal = SidePortRefusal(
                    code: ArrivalError.Code.invalidCallback.description, error: "the callback body is too large"
                )
                return try EditedResponse(status: .contentTooLarge, response: refusal).response(from: request, context: context)
            }
            let query = request.uri.queryParameters
            let received: Result<ArrivalIntake.Receipt, ArrivalError>
            do throws(ArrivalError) {
                received = .success(
                    try await intake.receive(
                        body: Array(body.readableBytesView), order: query["order"].map(String.init),
                        token: query["token"].map(String.init), peer: context.remoteAddress.map { "\($0)" } ?? "unknown"
                    )
                )
            } catch {
                received = .failure(error)
            }
            switch received {
            case .success(let receipt):
                let answer = ArrivalAnswer(status: receipt.entryID == nil ? "duplicate" : "accepted", entry: receipt.entryID, order: receipt.order)
                return try answer.response(from: request, context: context)
            case .failure(let error):
                let status: HTTPResponse.Status
                switch error.code {
                case .invalidCallback: status = .badRequest
                case .forbidden: status = .forbidden
                case .unknownOrder: status = .notFound
                case .quantityMismatch: status = .conflict
                case .gone: status = .gone
                case .backendUnavailable: status = .serviceUnavailable
                default: status = .internalServerError
                }
                let refusal = SidePortRefusal(code: error.code.description, error: error.message)
                return try EditedResponse(status: status, response: refusal).response(from: request, context: context)
            }
        }
        router.get("/healthz") { _, _ -> Response in
            do {
                _ = try await redis.send(["PING"], timeout: healthTimeout).get()
                return textResponse(.ok, "ok\n")
            } catch {
                logger.warning("health check: Redis does not answer", metadata: ["sr.error": "\(error)"])
                return textResponse(.serviceUnavailable, "redis unavailable\n")
            }
        }
        router.get("/metrics") { request, context -> Response in
            if let authorize = metricsAuthorization {
                let header = request.headers[.authorization] ?? ""
                let token = header.hasPrefix("Bearer ") ? String(header.dropFirst(7)) : ""
                guard !token.isEmpty, authorize(token) else {
                    logger.warning(
                        "/metrics refused: no ops or admin token",
                        metadata: ["sr.peer": "\(context.remoteAddress.map { "\($0)" } ?? "unknown")"]
                    )
                    var response = textResponse(.unauthorized, "an ops or admin token is required: Authorization: Bearer <token>\n")
                    response.headers[.wwwAuthenticate] = "Bearer"
                    return response
                }
            }
            var buffer: [UInt8] = []
            registry.emit(into: &buffer)
            return Response(
                status: .ok,
                headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: ResponseBody(byteBuffer: ByteBuffer(bytes: buffer))
            )
        }
        return router
    }

    static func textResponse(_ status: HTTPResponse.Status, _ text: String) -> Response {
        Response(
            status: status,
            headers: [.contentType: "text/plain; charset=utf-8"],
            body: ResponseBody(byteBuffer: ByteBuffer(string: text))
        )
    }
}

/// The side port as a long-lived `Service`: serves until graceful shutdown.
public struct SidePortService: Service {
    public let configuration: SidePortConfiguration
    /// The bound port, once listening (useful with port 0).
    public let listening = ListeningPort()
    private let intake: ArrivalIntake
    private let redis: RedisConnection
    private let registry: PrometheusCollectorRegistry
    private let console: ConsoleData?
    private let logger: Logger

    /// - Parameter console: the console's data, or nil for a side port without the console.
    public init(
        configuration: SidePortConfiguration,
        intake: ArrivalIntake,
        redis: RedisConnection,
        registry: PrometheusCollectorRegistry,
        console: ConsoleData? = nil,
        logger: Logger
    ) {
        var logger = logger
        logger[metadataKey: "sr.service"] = "side-port"
        self.configuration = configuration
        self.intake = intake
        self.redis = redis
        self.registry = registry
        self.console = console
        self.logger = logger
    }

    public func run() async throws {
        let router = SidePort.router(
            intake: intake, redis: redis, registry: registry, metricsAuthorization: configuration.metricsAuthorization,
            console: console.map { ($0, configuration.consoleAccess) }, logger: logger
        )
        try await HTTPServing.run(
            router: router, host: configuration.host, port: configuration.port,
            serverName: "stockroom-side-port", listening: listening, logger: logger
        )
    }
}
