import ArgumentParser
import Foundation
import StockroomClient
import StockroomServer

/// The options every client command shares.
struct ClientOptions: ParsableArguments {
    /// Where `stockroom serve` listens when not told otherwise.
    private static let defaultServer: String = {
        let server = ServerConfiguration()
        return "\(HostPort(host: server.host, port: server.port))"
    }()

    @Option(help: "The server as HOST:PORT (default: $STOCKROOM_SERVER, else \(defaultServer)).")
    var server: String?

    @Option(help: "Token sent with AUTH (default: $STOCKROOM_TOKEN).")
    var token: String?

    @Option(help: "Seconds to wait for an answer (default: \(StockroomClientConfiguration(host: "", port: 0).requestTimeout.secondsText)).")
    var timeout: Double?

    @Option(help: "Speak TLS, trusting the CA certificates in this PEM file.")
    var tlsCA: String?

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
        if let tlsCA { configuration.tls = .client(trustRootsFile: tlsCA) }
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
