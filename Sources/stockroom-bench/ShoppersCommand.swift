import ArgumentParser
import Foundation
import StockroomClient
import StockroomCommandLine

/// `stockroom-bench shoppers`: steady purchases that go on while servers, workers and Redis crash, and
/// a ledger of what was sold, for `ops/chaos-test`.
///
/// A purchase without an answer (the connection dropped, the server was down or answered an error,
/// no answer in time) may or may not have sold. Each is kept with its purchase id and asked again,
/// with the same id, once the load ends: the server's answer then is the truth (a replay of the sale
/// it made, or a sale or refusal made now). The ledger counts only answered sales, so
/// `stock == initial + delivered - sold` holds exactly when no answer lied.
struct ShoppersCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "shoppers",
        abstract: "Buy steadily through crashes, retry every unanswered purchase by its id, and write the ledger.",
        discussion: """
            The ledger has one line per SKU, `sold SKU UNITS`, then `purchases N`, `answered N`, \
            `unanswered N`, `retried_replayed N` (sold before the answer was lost), `retried_sold N` (sold \
            only now), `retried_refused N` and `still_unanswered N`.
            """
    )

    @Option(help: "The Stockroom server, HOST:PORT.") var server = "127.0.0.1:7400"
    @Option(help: "The SKUs to buy, comma-separated.") var skus: String
    @Option(help: "Shoppers buying at once.") var shoppers = 8
    @Option(help: "Seconds of buying.") var duration = 30
    @Option(help: "Milliseconds each shopper waits between purchases.") var pause = 5
    @Option(help: "Each purchase takes 1 ... this many units.") var maxQuantity = 3
    @Option(help: "Seconds to get an answer for every unanswered purchase after the load.") var settleTimeout = 60
    @Option(help: "Write the ledger here.") var ledger: String

    func validate() throws {
        guard shoppers >= 1, duration >= 1, pause >= 0, maxQuantity >= 1, settleTimeout >= 1 else {
            throw ValidationError("--shoppers, --duration, --max-quantity and --settle-timeout must be positive")
        }
        guard !skuNames.isEmpty else { throw ValidationError("--skus needs at least one SKU") }
    }

    private var skuNames: [String] { skus.split(separator: ",").map(String.init) }

    func run() async throws {
        let address = try HostPort(server)
        let client = try await connect(host: address.host, port: address.port, within: .seconds(settleTimeout))
        let book = PurchaseBook()
        let end = ContinuousClock.now + .seconds(duration)

        let progress = Task {
            while !Task.isCancelled {
                try await Task.sleep(for: .seconds(5))
                print("shoppers: \(await book.progressLine)")
            }
        }
        await withTaskGroup(of: Void.self) { group in
            for shopper in 0..<shoppers {
                group.addTask { await buy(as: shopper, until: end, client: client, book: book) }
            }
        }
        progress.cancel()
        print("shoppers: load over, \(await book.progressLine); asking again for every unanswered purchase")

        let settleEnd = ContinuousClock.now + .seconds(settleTimeout)
        for purchase in await book.unanswered {
            await settle(purchase, until: settleEnd, client: client, book: book)
        }
        await client.close()
        let text = await book.ledger(skus: skuNames)
        try text.write(toFile: ledger, atomically: true, encoding: .utf8)
        print("shoppers: \(await book.progressLine); ledger in \(ledger)")
    }

    /// The server may be down when the load starts (it should not be, but the test must not hang).
    private func connect(host: String, port: Int, within limit: Duration) async throws -> StockroomClient {
        let end = ContinuousClock.now + limit
        while true {
            do {
                return try await StockroomClient.connect(StockroomClientConfiguration(host: host, port: port))
            } catch {
                guard ContinuousClock.now < end else { throw error }
                try await Task.sleep(for: .milliseconds(200))
            }
        }
    }

    private func buy(as shopper: Int, until end: ContinuousClock.Instant, client: StockroomClient, book: PurchaseBook) async {
        var generator = SystemRandomNumberGenerator()
        var number = 0
        while ContinuousClock.now < end {
            number += 1
            let purchase = ShopperPurchase(
                sku: skuNames.randomElement(using: &generator)!,
                quantity: Int.random(in: 1...maxQuantity, using: &generator),
                purchaseID: "shopper-\(shopper)-\(number)"
            )
            do {
                let result = try await client.purchase(
                    sku: purchase.sku, quantity: purchase.quantity, purchaseID: purchase.purchaseID, timeout: .seconds(2)
                )
                await book.answered(purchase, result)
            } catch {
                // No answer: it may have sold. Asked again after the load; meanwhile let the crash pass.
                await book.unanswered(purchase)
                try? await Task.sleep(for: .milliseconds(100))
            }
            if pause > 0 { try? await Task.sleep(for: .milliseconds(pause)) }
        }
    }

    /// Asks again with the same purchase id until the server answers, or time runs out.
    private func settle(_ purchase: ShopperPurchase, until end: ContinuousClock.Instant, client: StockroomClient, book: PurchaseBook) async {
        while ContinuousClock.now < end {
            do {
                let result = try await client.purchase(
                    sku: purchase.sku, quantity: purchase.quantity, purchaseID: purchase.purchaseID, timeout: .seconds(2)
                )
                await book.settled(purchase, result)
                return
            } catch {
                try? await Task.sleep(for: .milliseconds(200))
            }
        }
        await book.neverAnswered(purchase)
    }
}

/// One purchase as a shopper made it: asking again means the same SKU, quantity and id.
struct ShopperPurchase: Sendable {
    var sku: String
    var quantity: Int
    var purchaseID: String
}

/// What the shoppers were told.
actor PurchaseBook {
    private var soldUnits: [String: Int] = [:]
    private var purchases = 0
    private var answeredCount = 0
    private(set) var unanswered: [ShopperPurchase] = []
    private var retriedReplayed = 0
    private var retriedSold = 0
    private var retriedRefused = 0
    private var stillUnanswered = 0

    func answered(_ purchase: ShopperPurchase, _ result: PurchaseResult) {
        purchases += 1
        answeredCount += 1
        if result.outcome == .sold { soldUnits[purchase.sku, default: 0] += purchase.quantity }
    }

    func unanswered(_ purchase: ShopperPurchase) {
        purchases += 1
        unanswered.append(purchase)
    }

    func settled(_ purchase: ShopperPurchase, _ result: PurchaseResult) {
        switch (result.outcome, result.isReplay) {
        case (.sold, true): retriedReplayed += 1
        case (.sold, false): retriedSold += 1
        case (.outOfStock, _): retriedRefused += 1
        }
        if result.outcome == .sold { soldUnits[purchase.sku, default: 0] += purchase.quantity }
    }

    func neverAnswered(_ purchase: ShopperPurchase) {
        stillUnanswered += 1
    }

    var progressLine: String {
        "\(purchases) purchases, \(answeredCount) answered, \(unanswered.count) unanswered, \(soldUnits.values.reduce(0, +)) units sold"
    }

    func ledger(skus: [String]) -> String {
        var lines = skus.map { "sold \($0) \(soldUnits[$0] ?? 0)" }
        lines += [
            "purchases \(purchases)", "answered \(answeredCount)", "unanswered \(unanswered.count)",
            "retried_replayed \(retriedReplayed)", "retried_sold \(retriedSold)", "retried_refused \(retriedRefused)",
            "still_unanswered \(stillUnanswered)",
        ]
        return lines.joined(separator: "\n") + "\n"
    }
}
