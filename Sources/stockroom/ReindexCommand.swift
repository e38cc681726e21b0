import ArgumentParser
import StockroomCore

/// `stockroom reindex`: builds the SKU name and order-state indexes from the records, for data
/// written before they existed. The console's SKU and order pages, and `order list`, read only them.
struct ReindexCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reindex",
        abstract: "Build the SKU and order indexes from the records (once, for data written before they existed).",
        discussion: """
            Scans every partition's SKU and order keys once, on the node that holds it, and adds what the \
            indexes miss. Safe to run while the server runs, and again: it changes nothing the second time.
            """
    )

    @OptionGroup var redisOptions: RedisOptions

    func run() async throws {
        var totals = (skus: 0, orders: 0)
        try await withOperatorRedis(redisOptions) { redis, keys in
            try await IndexRebuild(keys: keys, redis: redis).run { progress in
                totals.skus += progress.skus
                totals.orders += progress.orders
                print("partition \(progress.partition + 1)/\(keys.partitions): \(progress.skus) SKU(s), \(progress.orders) order(s)")
            }
        }
        print("indexed \(totals.skus) SKU(s) and \(totals.orders) order(s)")
    }
}
