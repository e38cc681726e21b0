import ArgumentParser
import Foundation
import StockroomClient
import StockroomCommandLine
import StockroomCore
import StockroomPipeline

/// `stockroom demo`: a flash sale against a running server, with progress and a checked summary.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Stock a few SKUs, sell them out in a concurrent burst, and check the totals.",
        discussion: """
            With --restock-timeout it then waits for the factory to deliver every sold-out SKU (the \
            server must run the workers, and a factory must answer) and buys again. Exit status 0 when \
            every unit was sold exactly once, the rest were refused, and every SKU came back in time.
            """
    )

    @Option(help: "How many SKUs to stock.") var skus = 3
    @Option(help: "Stock of each SKU.") var stock: Int64 = 20
    @Option(help: "Purchases in the burst, spread over the SKUs.") var purchases = 150
    @Option(help: "Purchases in flight at once.") var concurrency = 16
    @Option(help: "What the factory delivers per order for each SKU.") var reorderQty: Int64 = 10
    @Option(help: "Seconds to wait for the factory to restock every SKU; without it the demo ends after the burst.")
    var restockTimeout: Double?
    @OptionGroup var client: ClientOptions
    @OptionGroup var redisOptions: RedisOptions

    func validate() throws {
        guard skus >= 1, stock >= 0, purchases >= 1, concurrency >= 1 else {
            throw ValidationError("--skus, --purchases and --concurrency must be positive, --stock not negative")
        }
    }

    func run() async throws {
        let skuNames = (1...skus).map { "DEMO-\($0)" }
        let tally = try await client.withClient { client throws(StockroomClientError) -> Tally in
            for sku in skuNames {
                _ = try await client.setStock(sku: sku, stock: stock, reorderPoint: 0, reorderQuantity: reorderQty)
            }
            print("stocked \(skus) SKUs with \(stock) each; \(purchases) buyers arrive, \(concurrency) at a time")
            var tally = try await burst(client, skuNames: skuNames)
            // A retry of the first purchase (same id, same customer) must be answered from the record,
            // not sold again.
            let replay = try await client.purchase(sku: skuNames[0], purchaseID: tally.firstPurchaseID, customer: Self.customer(0))
            tally.replayConfirmed = replay.isReplay
            for sku in skuNames {
                let info = try await client.stock(of: sku)
                tally.finalStock += info.stock
                if info.openOrder != nil { tally.openOrders += 1 }
            }
            return tally
        }
        let expectedSold = min(Int64(purchases), Int64(skus) * stock)
        print("summary: sold=\(tally.sold) out_of_stock=\(tally.outOfStock) final_stock=\(tally.finalStock) "
            + "factory_orders_open=\(tally.openOrders) replay_confirmed=\(tally.replayConfirmed)")
        guard Int64(tally.sold) == expectedSold, tally.sold + tally.outOfStock == purchases, tally.replayConfirmed,
            tally.finalStock == Int64(skus) * stock - expectedSold
        else {
            print("FAILED: expected sold=\(expectedSold) and every other purchase refused")
            throw ExitCode.failure
        }
        print("OK: every unit sold exactly once; the rest were refused cleanly")
        if let restockTimeout {
            try await awaitRestock(skuNames: skuNames, ordersOpened: tally.openOrders, timeout: restockTimeout)
        }
    }

    /// Waits until the factory has delivered to every SKU, then shows that sales resume.
    private func awaitRestock(skuNames: [String], ordersOpened: Int, timeout: Double) async throws {
        print("waiting up to \(Int(timeout)) s for the factory to deliver \(ordersOpened) order(s)")
        let started = ContinuousClock.now
        let (restocked, resumed) = try await client.withClient { client throws(StockroomClientError) -> (Int, Int) in
            var restocked: Set<String> = []
            while restocked.count < skuNames.count, ContinuousClock.now - started < .seconds(timeout) {
                for sku in skuNames where !restocked.contains(sku) {
                    if try await client.stock(of: sku).stock > 0 {
                        restocked.insert(sku)
                        print("arrival: \(sku) restocked after \((ContinuousClock.now - started).components.seconds) s "
                            + "(\(restocked.count)/\(skuNames.count))")
                    }
                }
                if restocked.count < skuNames.count { try? await Task.sleep(for: .milliseconds(250)) }
            }
            var resumed = 0
            for sku in restocked.sorted() {
                let sale = try await client.purchase(sku: sku, purchaseID: "demo-resume-\(UUID().uuidString)")
                if sale.outcome == .sold { resumed += 1 }
                print("after the arrival: \(sku) \(sale.summaryLine)")
            }
            return (restocked.count, resumed)
        }
        let deadLetters = try await countDeadLetters()
        print("summary: factory_orders=\(ordersOpened) arrivals=\(restocked) sales_resumed=\(resumed) "
            + "dead_letters=\(deadLetters.map(String.init) ?? "unknown (no --redis)")")
        guard restocked == skuNames.count, resumed == skuNames.count, deadLetters ?? 0 == 0 else {
            print("FAILED: every sold-out SKU should have been restocked and sold again, with no dead letters")
            throw ExitCode.failure
        }
        print("OK: every stock-out became one factory order, every delivery raised the stock once")
    }

    /// Dead letters of every group, when the demo may read Redis.
    private func countDeadLetters() async throws -> Int? {
        guard redisOptions.redis ?? ProcessInfo.processInfo.environment["STOCKROOM_REDIS"] != nil else { return nil }
        return try await withOperatorRedis(redisOptions) { redis, keys in
            try await PipelineStatus.read(keys: keys, redis: redis, subscriptions: Subscription.all).reduce(0) { $0 + $1.deadLetters }
        }
    }

    private struct Tally {
        var sold = 0
        var outOfStock = 0
        var finalStock: Int64 = 0
        var openOrders = 0
        var replayConfirmed = false
        var firstPurchaseID = ""
    }

    /// The customer of buyer `number`: a retry must name the same one, or it is another purchase.
    private static func customer(_ number: Int) -> String { "buyer-\(number)" }

    private func burst(_ client: StockroomClient, skuNames: [String]) async throws(StockroomClientError) -> Tally {
        let runID = UUID().uuidString.prefix(8)
        var tally = Tally(firstPurchaseID: "demo-\(runID)-0")
        let reportEvery = max(1, purchases / 10)
        do {
            try await withThrowingTaskGroup(of: PurchaseOutcome.self) { group in
                var started = 0
                func startNext() {
                    let number = started
                    started += 1
                    group.addTask {
                        try await client.purchase(
                            sku: skuNames[number % skuNames.count],
                            purchaseID: "demo-\(runID)-\(number)",
                            customer: Self.customer(number)
                        ).outcome
                    }
                }
                while started < min(concurrency, purchases) { startNext() }
                while let outcome = try await group.next() {
                    switch outcome {
                    case .sold: tally.sold += 1
                    case .outOfStock: tally.outOfStock += 1
                    }
                    let done = tally.sold + tally.outOfStock
                    if done % reportEvery == 0 || done == purchases {
                        print("progress: \(done)/\(purchases) sold=\(tally.sold) out_of_stock=\(tally.outOfStock)")
                    }
                    if started < purchases { startNext() }
                }
            }
        } catch let error as StockroomClientError {
            throw error
        } catch {
            throw StockroomClientError(.connectionClosed, "\(error)", underlying: error)
        }
        return tally
    }
}
