import Hummingbird
import Logging
import StockroomTLS

/// Runs a Hummingbird router on `host:port` until graceful shutdown, reporting the bound port.
public enum HTTPServing {
    /// With `tls` (a server context), it speaks HTTPS only.
    public static func run<Context: RequestContext>(
        router: Router<Context>,
        host: String,
        port: Int,
        serverName: String,
        tls: TLSContext? = nil,
        listening: ListeningPort,
        logger: Logger
    ) async throws where Context.Source == ApplicationRequestContextSource {
        let application = Application(
            router: router,
            server: tls.map { .http1(tls: $0) } ?? .http1(),
            configuration: ApplicationConfiguration(address: .hostname(host, port: port), serverName: serverName),
            onServerRunning: { channel in
                let bound = channel.localAddress?.port ?? port
                logger.info("listening", metadata: ["sr.http.host": "\(host)", "sr.http.port": "\(bound)"])
                await listening.listening(on: bound)
            },
            logger: logger
        )
        do {
            try await application.run()
        } catch {
            await listening.failed(HTTPServiceError(message: "\(serverName) on \(host):\(port) failed", underlying: error))
            throw error
        }
        await listening.failed(HTTPServiceError(message: "\(serverName) on \(host):\(port) stopped"))
    }
}
