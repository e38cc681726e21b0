import ArgumentParser
import Foundation
import StockroomClient

/// `stockroom demo`: a flash sale against a running server, with progress and a checked summary.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Stock a few SKUs, sell them out in a concurrent burst, and check the totals.",
        discussion: "Exit status 0 when every unit was sold exactly once and the rest were refused; 1 otherwise."
    )

    @Option(help: "How many SKUs to stock.") var skus = 3
    @Option(help: "Stock of each SKU.") var stock: Int64 = 20
    @Option(help: "Purchases in the burst, spread over the SKUs.") var purchases = 150
    @Option(help: "Purchases in flight at once.") var concurrency = 16
    @OptionGroup var client: ClientOptions

    func validate() throws {
        guard skus >= 1, stock >= 0, purchases >= 1, concurrency >= 1 else {
            throw ValidationError("--skus, --purchases and --concurrency must be positive, --stock not negative")
        }
    }

    func run() async throws {
        let skuNames = (1...skus).map { "DEMO-\($0)" }
        let tally = try await client.withClient { client throws(StockroomClientError) -> Tally in
            for sku in skuNames {
                _ = try await client.setStock(sku: sku, stock: stock, reorderPoint: 0)
            }
            print("stocked \(skus) SKUs with \(stock) each; \(purchases) buyers arrive, \(concurrency) at a time")
            var tally = try await burst(client, skuNames: skuNames)
            // A retry of the first purchase must be answered from the record, not sold again.
            let replay = try await client.purchase(sku: skuNames[0], purchaseID: tally.firstPurchaseID)
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
    }

    private struct Tally {
        var sold = 0
        var outOfStock = 0
        var finalStock: Int64 = 0
        var openOrders = 0
        var replayConfirmed = false
        var firstPurchaseID = ""
    }

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
                            customer: "buyer-\(number)"
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
