import ArgumentParser
import Foundation
import StockroomClient
import StockroomCommandLine

/// `stockroom buy`: one purchase. Exit status 0 = SOLD, 3 = OUT_OF_STOCK, 1 = error.
struct BuyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "buy",
        abstract: "Buy a SKU. Prints SOLD remaining=N or OUT_OF_STOCK available=N (then `replay` for a repeat).",
        discussion: "Exit status: 0 for SOLD, 3 for OUT_OF_STOCK, 1 for an error (its code on stderr)."
    )

    static let outOfStockExitCode: Int32 = 3

    @Argument(help: "The SKU to buy.") var sku: String
    @Option(help: "How many.") var qty = 1
    @Option(help: "Request id: repeating it returns the first answer and never sells twice (default: random).")
    var id: String?
    @Option(help: "Who is buying.") var customer = ""
    @OptionGroup var client: ClientOptions

    func run() async throws {
        let purchaseID = id ?? UUID().uuidString
        let result = try await client.withClient { client throws(StockroomClientError) in
            try await client.purchase(sku: sku, quantity: qty, purchaseID: purchaseID, customer: customer)
        }
        print(result.summaryLine)
        if result.outcome == .outOfStock { throw ExitCode(Self.outOfStockExitCode) }
    }
}

extension PurchaseResult {
    var summaryLine: String {
        let head: String
        switch outcome {
        case .sold: head = "SOLD remaining=\(stock)"
        case .outOfStock: head = "OUT_OF_STOCK available=\(stock)"
        }
        return isReplay ? head + " replay" : head
    }
}
