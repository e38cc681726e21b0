import ArgumentParser
import Foundation
import StockroomClient
import StockroomServer
import StockroomTLS

/// The options every client command shares: `stockroom`'s client commands and `stockroom-bench`.
public struct ClientOptions: ParsableArguments {
    /// Where `stockroom serve` listens when not told otherwise.
    private static let defaultServer: String = {
        let listen = ServerConfiguration().listen!
        return "\(HostPort(host: listen.host, port: listen.port))"
    }()

    @Option(help: "The server as HOST:PORT (default: $STOCKROOM_SERVER, else \(defaultServer)).")
    public var server: String?

    @Option(help: "Token sent with AUTH (default: $STOCKROOM_TOKEN).")
    public var token: String?

    @Option(help: "Seconds to wait for an answer (default: \(StockroomClientConfiguration(host: "", port: 0).requestTimeout.secondsText)).")
    public var timeout: Double?

    @Flag(help: "Speak TLS, trusting the system's CA certificates (or --tls-ca's).")
    public var tls = false

    @Option(help: "Speak TLS, trusting the CA certificates in this PEM file.")
    public var tlsCA: String?

    @Option(help: "Speak TLS and present this PEM certificate chain (for a server with --tls-client-ca).")
    public var tlsCert: String?

    @Option(help: "The private key for --tls-cert.")
    public var tlsKey: String?

    @Option(help: "The name to verify the server's certificate against and send as SNI (default: the --server host).")
    public var tlsServerName: String?

    public init() {}

    public func validate() throws {
        guard (tlsCert == nil) == (tlsKey == nil) else { throw ValidationError("--tls-cert and --tls-key go together") }
    }

    /// The server's address: `--server`, else `$STOCKROOM_SERVER`, else where `stockroom serve` listens.
    public func address() throws(StockroomClientError) -> HostPort {
        do {
            return try HostPort(server ?? ProcessInfo.processInfo.environment["STOCKROOM_SERVER"] ?? Self.defaultServer)
        } catch {
            throw StockroomClientError(.invalidArgument, "\(error)")
        }
    }

    /// The client configuration these options describe: address, token, timeout and TLS.
    public func configuration(clientName: String = "stockroom-cli") throws(StockroomClientError) -> StockroomClientConfiguration {
        let address = try address()
        var configuration = StockroomClientConfiguration(host: address.host, port: address.port)
        configuration.token = token ?? ProcessInfo.processInfo.environment["STOCKROOM_TOKEN"]
        if let timeout { configuration.requestTimeout = .milliseconds(Int64(timeout * 1000)) }
        configuration.clientName = clientName
        if usesTLS {
            var tlsConfiguration = TLSConfiguration.client(trustRootsFile: tlsCA)
            tlsConfiguration.certificateChainFile = tlsCert
            tlsConfiguration.privateKeyFile = tlsKey
            configuration.tls = tlsConfiguration
            configuration.tlsServerName = tlsServerName
        }
        return configuration
    }

    /// Whether the options ask for TLS: `--tls`, or a CA or a client certificate to use with it.
    public var usesTLS: Bool { tls || tlsCA != nil || tlsCert != nil }

    public func connect() async throws(StockroomClientError) -> StockroomClient {
        try await StockroomClient.connect(try configuration())
    }

    /// Runs `body` with a connected client, printing a failure as `error: CODE: message` on stderr.
    public func withClient<T>(_ body: (StockroomClient) async throws(StockroomClientError) -> T) async throws -> T {
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
