import ArgumentParser
import StockroomClient
import StockroomCommandLine

/// `stockroom ping`: is the server up and speaking the protocol?
struct PingCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ping",
        abstract: "Say HELLO and PING; print the server's name and protocol version."
    )

    @OptionGroup var client: ClientOptions

    func run() async throws {
        let hello = try await client.withClient { client throws(StockroomClientError) in
            try await client.ping()
            return client.serverHello
        }
        print("PONG server=\(hello.serverName) version=\(hello.version) auth=\(hello.authenticationRequired)")
    }
}
