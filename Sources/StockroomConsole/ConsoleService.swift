import Hummingbird
import Logging
import ServiceLifecycle
import StockroomHTTP
import StockroomTLS

/// The console on a port of its own (`stockroom console`), for operators who run it apart from any
/// server: the same pages as the side port's `/console/`, and `/healthz`.
public struct ConsoleService: Service {
    public let listening = ListeningPort()
    private let host: String
    private let port: Int
    private let data: ConsoleData
    private let access: ConsoleAccess
    /// HTTPS only, when given; its session cookies are then `Secure`.
    private let tls: TLSContext?
    private let logger: Logger

    public init(host: String, port: Int, data: ConsoleData, access: ConsoleAccess, tls: TLSContext? = nil, logger: Logger) {
        var logger = logger
        logger[metadataKey: "sr.service"] = "console"
        self.host = host
        self.port = port
        self.data = data
        self.access = access
        self.tls = tls
        self.logger = logger
    }

    public func run() async throws {
        let router = Router(context: PeerRequestContext.self)
        ConsoleRoutes.add(to: router, data: data, access: access, servedOverTLS: tls != nil, logger: logger)
        router.get("/healthz") { _, _ in
            _ = try await data.redis.send(["PING"]).get()
            return "ok\n"
        }
        router.get("/") { _, _ in
            Response(status: .seeOther, headers: [.location: "/console/"])
        }
        try await HTTPServing.run(
            router: router, host: host, port: port, serverName: "stockroom-console", tls: tls, listening: listening, logger: logger
        )
    }
}
