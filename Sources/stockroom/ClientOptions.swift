import ArgumentParser
import Foundation
import StockroomClient
import StockroomServer
import StockroomTLS

/// The options every client command shares.
struct ClientOptions: ParsableArguments {
    /// Where `stockroom serve` listens when not told otherwise.
    private static let defaultServer: String = {
        let listen = ServerConfiguration().listen!
        return "\(HostPort(host: listen.host, port: listen.port))"
    }()

    @Option(help: "The server as HOST:PORT (default: $STOCKROOM_SERVER, else \(defaultServer)).")
    var server: String?

    @Option(help: "Token sent with AUTH (default: $STOCKROOM_TOKEN).")
    var token: String?

    @Option(help: "Seconds to wait for an answer (default: \(StockroomClientConfiguration(host: "", port: 0).requestTimeout.secondsText)).")
    var timeout: Double?

    @Flag(help: "Speak TLS, trusting the system's CA certificates (or --tls-ca's).")
    var tls = false

    @Option(help: "Speak TLS, trusting the CA certificates in this PEM file.")
    var tlsCA: String?

    @Option(help: "Speak TLS and present this PEM certificate chain (for a server with --tls-client-ca).")
    var tlsCert: String?

    @Option(help: "The private key for --tls-cert.")
    var tlsKey: String?

    @Option(help: "The name to verify the server's certificate against and send as SNI (default: the --server host).")
    var tlsServerName: String?

    func validate() throws {
        guard (tlsCert == nil) == (tlsKey == nil) else { throw ValidationError("--tls-cert and --tls-key go together") }
    }

    func connect() async throws(StockroomClientError) -> StockroomClient {
        let environment = ProcessInfo.processInfo.environment
        let address: HostPort
        do {
            address = try HostPort(server ?? environment["STOCKROOM_SERVER"] ?? Self.defaultServer)
        } catch {
            throw StockroomClientError(.invalidArgument, "\(error)")
        }
        var configuration = StockroomClientConfiguration(host: address.host, port: address.port)
        configuration.token = token ?? environment["STOCKROOM_TOKEN"]
        if let timeout { configuration.requestTimeout = .milliseconds(Int64(timeout * 1000)) }
        configuration.clientName = "stockroom-cli"
        if tls || tlsCA != nil || tlsCert != nil {
            var tlsConfiguration = TLSConfiguration.client(trustRootsFile: tlsCA)
            tlsConfiguration.certificateChainFile = tlsCert
            tlsConfiguration.privateKeyFile = tlsKey
            configuration.tls = tlsConfiguration
            configuration.tlsServerName = tlsServerName
        }
        return try await StockroomClient.connect(configuration)
    }

    /// Runs `body` with a connected client, printing a failure as `error: CODE: message` on stderr.
    func withClient<T>(_ body: (StockroomClient) async throws(StockroomClientError) -> T) async throws -> T {
        let client: StockroomClient
        do {
            client = try await connect()
        } catch {
            throw Self.report(error)
        }
        do {
            let result = try await body(client)
            await client.close()
            return result
        } catch {
            await client.close()
            throw Self.report(error)
        }
    }

    private static func report(_ error: StockroomClientError) -> ExitCode {
        FileHandle.standardError.write(Data("error: \(error)\n".utf8))
        return ExitCode.failure
    }
}
