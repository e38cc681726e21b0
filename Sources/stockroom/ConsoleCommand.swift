import ArgumentParser
import Foundation
import Logging
import ServiceLifecycle
import StockroomCommandLine
import StockroomConsole
import StockroomServer
import StockroomTLS
import UnixSignals

/// `stockroom console`: the operator console on a port of its own, apart from any server.
struct ConsoleCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "console",
        abstract: "Serve the operator console (/console/) on its own port until SIGTERM or SIGINT.",
        discussion: """
            The same pages as `serve --http`'s /console/. Without --credentials it answers loopback \
            callers only, and only reads; with them, an operator logs in with an ops token (reads) or \
            an admin token (may also act), or sends Authorization: Bearer <token>. With --tls-cert and \
            --tls-key it speaks HTTPS only (the system's OpenSSL).
            """
    )

    @OptionGroup var redisOptions: RedisOptions
    @Option(help: "Where the console listens (default: 127.0.0.1:7481).") var listen: String = "127.0.0.1:7481"
    @Option(help: "Credentials file (`stockroom credentials add`): the console then needs an ops or admin token.")
    var credentials: String?
    @Option(help: "Dead letters per second a bulk redrive moves.") var redriveRate = ConsoleData.defaultRedriveRate
    @Option(help: "PEM certificate chain: the console then speaks HTTPS only, and its session cookie is Secure.") var tlsCert: String?
    @Option(help: "PEM private key for --tls-cert.") var tlsKey: String?
    @OptionGroup var logging: LoggingOptions

    func validate() throws {
        guard redriveRate >= 1 else { throw ValidationError("--redrive-rate must be at least 1") }
        guard (tlsCert == nil) == (tlsKey == nil) else { throw ValidationError("--tls-cert and --tls-key go together") }
    }

    func run() async throws {
        let logger = try logging.makeLogger(label: "stockroom.console")
        let address = try HostPort(listen)
        let access: ConsoleAccess
        if let credentials {
            let server = ServerAccess(credentials: try CredentialFile.read(credentials))
            access = .credentials { token in
                server.operatorIdentity(token: token).map { ConsoleUser(name: $0.name, mayAct: $0.isAdmin) }
            }
        } else {
            access = .loopbackOnly
        }
        let tls = try tlsCert.map { certificate in
            try TLSContext(configuration: .server(certificateChainFile: certificate, privateKeyFile: tlsKey ?? ""), role: .server)
        }
        try await withOperatorRedis(redisOptions) { redis, keys in
            let service = ConsoleService(
                host: address.host, port: address.port, data: ConsoleData(keys: keys, redis: redis, redriveRate: redriveRate), access: access, tls: tls,
                logger: logger
            )
            let group = ServiceGroup(
                configuration: .init(services: [service], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
            )
            async let running: Void = group.run()
            let port = try await service.listening.port()
            let scheme = tls == nil ? "http" : "https"
            FileHandle.standardOutput.write(Data("stockroom console on \(scheme)://\(address.host):\(port)/console/\n".utf8))
            try await running
        }
    }
}
