import ArgumentParser

/// The `stockroom` command: the server, its operators' tools and a demo.
@main
struct Stockroom: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stockroom",
        abstract: "Sells stock atomically in Redis and refuses cleanly when there is none.",
        subcommands: [
            ServeCommand.self, StockCommand.self, BuyCommand.self, PingCommand.self, DemoCommand.self,
            FactorySimCommand.self, WorkerCommand.self, StatusCommand.self, DeadLetterCommand.self, OrderCommand.self,
            CredentialsCommand.self, ConsoleCommand.self, ReindexCommand.self,
        ]
    )
}
