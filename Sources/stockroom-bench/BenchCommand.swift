import ArgumentParser
import Foundation
import NIOCore
import NIOPosix

/// `stockroom-bench`: load for Stockroom and the measurements around it. `throughput` (the default)
/// drives a server or Redis and reports throughput, latency and checks; `ceiling` runs
/// redis-benchmark on a script for the ceiling row; `idle` holds idle connections and watches the
/// server's memory; `shoppers` keeps buying through crashes and keeps a ledger (`ops/chaos-test`).
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stockroom-bench",
        abstract: "Load for Stockroom: throughput (default), ceiling, idle or shoppers.",
        discussion: """
            The harness runs on one event-loop thread ($STOCKROOM_BENCH_THREADS to change it), which is \
            also where its Swift tasks run, like redis-benchmark's single thread: the rest of the machine \
            is left to the server and Redis.
            """,
        subcommands: [ThroughputCommand.self, CeilingCommand.self, IdleCommand.self, ShoppersCommand.self, ConsoleDataCommand.self],
        defaultSubcommand: ThroughputCommand.self
    )
}

@main
enum BenchMain {
    /// Makes NIO's event loops Swift concurrency's executor before anything runs. A request's task
    /// then resumes on the thread its connection's answer arrived on: without the hop to Swift's
    /// own pool and back, the harness spends about a fifth less CPU per open-loop request and
    /// its latencies are its target's, not its thread switches'.
    static func main() async {
        let threads = ProcessInfo.processInfo.environment["STOCKROOM_BENCH_THREADS"].flatMap(Int.init) ?? 1
        NIOSingletons.groupLoopCountSuggestion = max(1, threads)
        NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
        await BenchCommand.main()
    }
}
