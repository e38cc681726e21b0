import NIOConcurrencyHelpers
import StockroomClient
import StockroomCore
import StockroomRedis
import StockroomServer
import StockroomWire
import TestSupport
import XCTest

/// The sales path on a real Redis Cluster (3 masters, 3 replicas): the concurrency invariant on
/// every master, and a master killed in the middle of a burst.
final class ClusterSalesTests: XCTestCase {
    func testConcurrentBuyersOnEveryMasterNeverOversell() async throws {
        try await withSalesServer(redisURL: try await TestCluster.sharedSeedURL()) { harness in
            let skus = try await harness.skusByMaster(perMaster: 1).flatMap(\.value)
            XCTAssertEqual(skus.count, 3, "one SKU on each master")
            let admin = try await harness.client()
            for sku in skus { _ = try await admin.setStock(sku: sku, stock: 40) }
            let client = try await harness.client { $0.connections = 4 }
            let buyers = 120
            let results = try await withThrowingTaskGroup(of: (String, PurchaseResult).self) { group in
                for buyer in 0..<buyers * skus.count {
                    let sku = skus[buyer % skus.count]
                    group.addTask { (sku, try await client.purchase(sku: sku, purchaseID: "buyer-\(buyer)")) }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            for sku in skus {
                let sold = results.filter { $0.0 == sku && $0.1.outcome == .sold }
                XCTAssertEqual(sold.count, 40, sku)
                XCTAssertEqual(Set(sold.map(\.1.stock)), Set(0..<40), "each unit sold once: \(sku)")
                XCTAssertEqual(results.filter { $0.0 == sku && $0.1.outcome == .outOfStock }.count, buyers - 40, sku)
                let stock = try await harness.stock(of: sku)
                XCTAssertEqual(stock, 0, sku)
            }
            await client.close()
            await admin.close()
        }
    }

    /// `kill -9` of a master while buyers hammer SKUs on every master, with `--sync-replicas 1`.
    /// The cluster runs without full coverage, as the README advises, so the other masters never
    /// stop answering while the dead one's replica takes over.
    ///
    /// Checked afterwards: every purchase answered SOLD is in the data (asked again, it is a
    /// replay); every unanswered one, retried with its id, gets a true answer, so that each SKU's
    /// stock fell by exactly the number of purchases sold; no purchase on another master's SKU went
    /// unanswered; and the dead master's SKUs sell again.
    func testAMasterKilledDuringABurstLosesNoAcknowledgedSaleAndTheRetriesTellTheTruth() async throws {
        try await withPrivateTestCluster(redisArguments: "--cluster-require-full-coverage no") { cluster in
            var sales = SalesConfiguration()
            sales.syncReplicas = 1
            try await withSalesServer(redisURL: cluster.seedURL, sales: sales) { harness in
                let byMaster = try await harness.skusByMaster(perMaster: 2)
                let victim = try XCTUnwrap(byMaster.keys.sorted { $0.port < $1.port }.first)
                let victimSKUs = Set(byMaster[victim] ?? [])
                let skus = byMaster.values.flatMap { $0 }.sorted()
                let initialStock: Int64 = 1_000_000
                let admin = try await harness.client()
                for sku in skus { _ = try await admin.setStock(sku: sku, stock: initialStock) }

                let ledger = BurstLedger()
                let client = try await harness.client { $0.connections = 4 }
                let buyers = Task {
                    try await withThrowingTaskGroup(of: Void.self) { group in
                        for (index, sku) in skus.enumerated() {
                            for lane in 0..<2 {
                                group.addTask { try await buy(sku, lane: "\(index)-\(lane)", with: client, into: ledger) }
                            }
                        }
                        try await group.waitForAll()
                    }
                }

                try await eventually(timeout: .seconds(60), "sales on every SKU") {
                    skus.allSatisfy { ledger.soldCount(of: $0) >= 20 } ? true : nil
                }
                ledger.mark(.killed)
                try cluster.killNode(port: victim.port)
                // The replica takes over. With --sync-replicas 1 it sells only once it has a replica
                // of its own: the dead node, restarted as a supervisor would restart it — after the
                // promotion, since the nodes keep nothing on disk.
                let victimTag = harness.store.keys.tag(harness.store.keys.partition(of: try XCTUnwrap(victimSKUs.first)))
                let successor = try await eventually(timeout: .seconds(60), "the victim's replica promoted") {
                    let node = await harness.redis.any.node(serving: victimTag)
                    return node != victim ? node : nil
                }
                try cluster.restartNode(port: victim.port)
                try await eventually(timeout: .seconds(60), "sales on the victim's SKUs resume on \(successor)") {
                    victimSKUs.allSatisfy { ledger.soldCount(of: $0, after: .killed) >= 20 } ? true : nil
                }
                ledger.stop()
                try await buyers.value

                let answers = ledger.answers
                let soldBeforeKill = answers.filter { $0.outcome == .sold && $0.phase == .beforeKill }
                XCTAssertGreaterThan(soldBeforeKill.count, 0)
                let unanswered = answers.filter { $0.outcome == nil }
                XCTAssertFalse(
                    unanswered.contains { !victimSKUs.contains($0.sku) },
                    "the other masters' SKUs never stopped selling: \(unanswered.filter { !victimSKUs.contains($0.sku) }.prefix(5))"
                )

                // Every acknowledged sale is in the data: asked again, Redis answers from its record.
                for answer in answers where answer.outcome == .sold {
                    let again = try await client.purchase(sku: answer.sku, purchaseID: answer.purchaseID)
                    XCTAssertEqual(again.outcome, .sold, "\(answer.purchaseID) was acknowledged SOLD")
                    XCTAssertTrue(again.isReplay, "\(answer.purchaseID) is in the data, not sold again")
                }
                // Unanswered purchases, retried with their ids, tell the truth: the ledger balances.
                var soldIDs = Set(answers.filter { $0.outcome == .sold }.map(\.purchaseID))
                for answer in unanswered {
                    let retried = try await eventually("\(answer.purchaseID) answered") {
                        try? await client.purchase(sku: answer.sku, purchaseID: answer.purchaseID)
                    }
                    if retried.outcome == .sold { soldIDs.insert(answer.purchaseID) }
                }
                for sku in skus {
                    let stock = try await harness.stock(of: sku)
                    let sold = soldIDs.filter { $0.hasPrefix("\(sku)/") }.count
                    XCTAssertEqual(Int(initialStock) - stock, sold, "every unit that left \(sku) was sold to exactly one purchase")
                }
                print(
                    "failover burst: \(answers.count) purchases, \(soldBeforeKill.count) sold before the kill,",
                    "\(unanswered.count) unanswered (all on the victim's SKUs) and retried,",
                    "\(soldIDs.count) sold in all; promoted: \(successor)"
                )
                await client.close()
                await admin.close()
            }
        }
    }
}

/// One buyer lane: buys `sku` one unit at a time, with fresh purchase ids, until the ledger stops.
private func buy(_ sku: String, lane: String, with client: StockroomClient, into ledger: BurstLedger) async throws {
    var n = 0
    while !ledger.isStopped {
        let purchaseID = "\(sku)/\(lane)/\(n)"
        n += 1
        let phase = ledger.phase
        do {
            let result = try await client.purchase(sku: sku, purchaseID: purchaseID)
            ledger.record(BurstLedger.Answer(sku: sku, purchaseID: purchaseID, outcome: result.outcome, phase: phase))
        } catch {
            // BACKEND_UNAVAILABLE (or a timeout): the purchase may or may not have run.
            ledger.record(BurstLedger.Answer(sku: sku, purchaseID: purchaseID, outcome: nil, phase: phase, error: "\(error)"))
            // As a real client would, it pauses before its next purchase while the backend is unavailable.
            try await Task.sleep(for: .milliseconds(20))
        }
    }
}

/// Every answer of a burst, and which side of the kill it was sent on.
final class BurstLedger: Sendable {
    enum Phase: Sendable { case beforeKill, killed }

    struct Answer: Sendable {
        var sku: String
        var purchaseID: String
        /// nil: no answer (the purchase is ambiguous until retried).
        var outcome: PurchaseOutcome?
        var phase: Phase
        /// Why there was no answer.
        var error: String? = nil
    }

    private struct State {
        var answers: [Answer] = []
        var phase = Phase.beforeKill
        var stopped = false
    }

    private let state = NIOLockedValueBox(State())

    var answers: [Answer] { state.withLockedValue { $0.answers } }
    var phase: Phase { state.withLockedValue { $0.phase } }
    var isStopped: Bool { state.withLockedValue { $0.stopped } }

    func record(_ answer: Answer) { state.withLockedValue { $0.answers.append(answer) } }
    func mark(_ phase: Phase) { state.withLockedValue { $0.phase = phase } }
    func stop() { state.withLockedValue { $0.stopped = true } }

    func soldCount(of sku: String, after phase: Phase? = nil) -> Int {
        state.withLockedValue { state in
            state.answers.filter { $0.sku == sku && $0.outcome == .sold && (phase == nil || $0.phase == phase) }.count
        }
    }
}

extension ServerHarness {
    /// `perMaster` SKUs for each master of the cluster, by the master that holds their partition.
    func skusByMaster(perMaster: Int) async throws -> [RedisNodeAddress: [String]] {
        var byMaster: [RedisNodeAddress: [String]] = [:]
        for n in 0..<2000 {
            let sku = "CS-\(n)"
            let keys = store.keys
            guard let node = await redis.any.node(serving: keys.tag(keys.partition(of: sku))) else { continue }
            if byMaster[node, default: []].count < perMaster { byMaster[node, default: []].append(sku) }
        }
        return byMaster
    }
}
