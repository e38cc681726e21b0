import ArgumentParser
import Foundation
import NIOPosix
import StockroomBench
import StockroomCommandLine

/// `stockroom-bench idle`: opens many connections that then say nothing, and samples the server's
/// resident memory while they stay open (the "RSS with 10,000 idle connections, no growth").
struct IdleCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "idle",
        abstract: "Hold idle connections open on a server and sample its resident memory.",
        discussion: """
            The server must allow the connections (serve --max-connections) and keep them \
            (--idle-timeout longer than --hold), and both processes need that many file descriptors.
            """
    )

    @OptionGroup(title: "The server") var client: ClientOptions
    @Option(help: "Connections to open.") var connections = 10_000
    @Option(help: "Seconds to hold them open.") var hold = 20
    @Option(help: "Seconds between samples of the server's memory.") var sampleEvery = 5
    @Option(help: "The server's process id: its RSS is read from /proc/PID/status.") var serverPid: Int32?
    @Option(help: "Write the result as JSON to this file.") var json: String?

    func validate() throws {
        guard connections >= 1, hold >= 0, sampleEvery >= 1 else {
            throw ValidationError("--connections and --sample-every must be positive, --hold at least 0")
        }
    }

    func run() async throws {
        let idle = IdleConnections(
            configuration: try client.configuration(clientName: "stockroom-bench-idle"), connections: connections,
            holdSeconds: hold, sampleEverySeconds: sampleEvery, server: serverPid.map(ServerProcess.init(pid:))
        )
        let result = try await idle.run(group: MultiThreadedEventLoopGroup.singleton) { Console.say($0) }
        Console.say(result.line)
        try BenchReport(idle: result).save(to: json)
    }
}
