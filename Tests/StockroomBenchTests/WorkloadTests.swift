import StockroomBench
import XCTest

final class WorkloadTests: XCTestCase {
    // MARK: distributions

    func testDistributionsParse() throws {
        XCTAssertEqual(try SKUDistribution(parsing: "hot"), .hot)
        XCTAssertEqual(try SKUDistribution(parsing: "uniform"), .uniform)
        XCTAssertEqual(try SKUDistribution(parsing: "zipf:0.99"), .zipf(exponent: 0.99))
        for bad in ["", "zipf", "zipf:", "zipf:0", "zipf:-1", "zipf:x", "normal"] {
            XCTAssertThrowsError(try SKUDistribution(parsing: bad), bad)
        }
    }

    /// Counts of 100,000 draws per SKU index, with a fixed seed.
    private func draws(_ distribution: SKUDistribution, count: Int, seed: UInt64 = 42) -> [Int] {
        let picker = SKUPicker(distribution, count: count)
        var random = SplitMix64(seed: seed)
        var counts = Array(repeating: 0, count: count)
        for _ in 0..<100_000 { counts[picker.next(using: &random)] += 1 }
        return counts
    }

    func testHotAsksForOneSKUOnly() {
        XCTAssertEqual(draws(.hot, count: 5), [100_000, 0, 0, 0, 0])
    }

    func testUniformSpreadsEvenlyOverEverySKU() {
        let counts = draws(.uniform, count: 10)
        for count in counts { XCTAssertEqual(Double(count), 10_000, accuracy: 500) }
        let wide = draws(.uniform, count: 10_000)
        XCTAssertGreaterThan(wide.filter { $0 > 0 }.count, 9_990)  // a miss is e^-10 per SKU
    }

    func testZipfAsksForTheKthSKUInProportionTo1OverKToTheS() {
        let counts = draws(.zipf(exponent: 1), count: 1000)
        // Weights 1/k: rank 1 twice rank 2, three times rank 3; rank 1 has 1/H(1000) ≈ 13.4%.
        XCTAssertEqual(Double(counts[0]) / Double(counts[1]), 2, accuracy: 0.15)
        XCTAssertEqual(Double(counts[0]) / Double(counts[2]), 3, accuracy: 0.3)
        XCTAssertEqual(Double(counts[0]) / 100_000, 1 / 7.4855, accuracy: 0.005)
        XCTAssertGreaterThan(counts[0..<10].reduce(0, +), counts[500..<1000].reduce(0, +))
        let steep = draws(.zipf(exponent: 2), count: 1000)
        XCTAssertEqual(Double(steep[0]) / Double(steep[1]), 4, accuracy: 0.3)
    }

    func testTheSameSeedDrawsTheSameSKUs() {
        XCTAssertEqual(draws(.zipf(exponent: 1.1), count: 50, seed: 7), draws(.zipf(exponent: 1.1), count: 50, seed: 7))
        XCTAssertNotEqual(draws(.uniform, count: 50, seed: 7), draws(.uniform, count: 50, seed: 8))
    }

    // MARK: the mix

    func testMixesParse() throws {
        let mix = try RequestMix(parsing: "purchase=90,get=10")
        XCTAssertEqual(mix.weight(of: .purchase), 90)
        XCTAssertEqual(mix.weight(of: .get), 10)
        XCTAssertEqual(mix.description, "purchase=90,get=10")
        XCTAssertEqual(try RequestMix(parsing: "get=1,purchase=0").description, "get=1")
        XCTAssertFalse(try RequestMix(parsing: "get=1").includesPurchases)
        for bad in ["", "purchase", "purchase=x", "purchase=-1", "buy=1", "purchase=1,purchase=2", "purchase=0,get=0", "purchase=1,"] {
            XCTAssertThrowsError(try RequestMix(parsing: bad), bad)
        }
    }

    func testEveryRunOfAMixsTotalWeightHoldsEachKindExactlyItsWeight() throws {
        var sequence = MixSequence(try RequestMix(parsing: "purchase=90,get=10"))
        let kinds = (0..<1000).map { _ in sequence.next() }
        for window in stride(from: 0, to: 1000, by: 100) {
            XCTAssertEqual(kinds[window..<(window + 100)].filter { $0 == .get }.count, 10)
        }
        // Spread out, not bunched: never two gets in a row at 90/10.
        XCTAssertFalse(zip(kinds, kinds.dropFirst()).contains { $0 == .get && $1 == .get })
    }

    func testAThreeToOneMixInterleaves() throws {
        var sequence = MixSequence(try RequestMix(parsing: "purchase=3,get=1"))
        XCTAssertEqual((0..<8).map { _ in sequence.next() }, [.purchase, .purchase, .get, .purchase, .purchase, .purchase, .get, .purchase])
    }

    // MARK: purchase ids

    func testPurchaseIDsAre16BytesAndUniqueAcrossWorkers() {
        var seen = Set<String>()
        for worker in [0, 1, 255, 4095, 65_535] {
            var ids = PurchaseIDGenerator(runTag: "ab3cd", worker: worker)
            for _ in 0..<5_000 {
                let id = ids.next()
                XCTAssertEqual(id.utf8.count, 16)
                XCTAssertTrue(seen.insert(id).inserted, "\(id) repeated")
            }
        }
        XCTAssertEqual(seen.count, 25_000)
    }

    func testAPurchaseIDSaysItsRunWorkerAndSequence() {
        var ids = PurchaseIDGenerator(runTag: "zz9zz", worker: 0x2a)
        XCTAssertEqual(ids.next(), "zz9zz002a0000000")
        XCTAssertEqual(ids.next(), "zz9zz002a0000001")
        for _ in 0..<14 { _ = ids.next() }
        XCTAssertEqual(ids.next(), "zz9zz002a0000010")
    }

    func testRunTagsAreFiveCharactersThatDifferFromRunToRun() {
        var random = SplitMix64(seed: 1)
        let tags = (0..<1000).map { _ in PurchaseIDGenerator.randomRunTag(using: &random) }
        XCTAssertTrue(tags.allSatisfy { $0.utf8.count == 5 && $0.allSatisfy { $0.isLowercase || $0.isNumber } })
        XCTAssertEqual(Set(tags).count, 1000)
    }

    // MARK: a worker's requests

    private let workload = Workload(
        skuCount: 100, distribution: .uniform, mix: try! RequestMix(parsing: "purchase=90,get=10"), quantity: 2, stockPerSKU: 50
    )

    private func requests(worker: Int, seed: UInt64, count: Int = 1000) -> [BenchRequest] {
        var generator = RequestGenerator(
            workload: workload, picker: SKUPicker(workload.distribution, count: workload.skuCount), runTag: "run01", worker: worker,
            seed: seed
        )
        return (0..<count).map { _ in generator.next() }
    }

    func testAWorkersRequestsFollowTheMixQuantityAndSKUs() {
        let made = requests(worker: 3, seed: 9)
        var purchaseIDs = Set<String>()
        for request in made {
            XCTAssertTrue((0..<100).contains(request.sku))
            if case .purchase(_, let quantity, let id) = request {
                XCTAssertEqual(quantity, 2)
                purchaseIDs.insert(id)
            }
        }
        XCTAssertEqual(purchaseIDs.count, 900)
        XCTAssertGreaterThan(Set(made.map(\.sku)).count, 90)
    }

    /// 800 workers of an open loop may make a few requests each: their sequences start at different
    /// points, so the run as a whole still has the mix.
    func testWorkersTogetherKeepTheMixHoweverFewRequestsEachMakes() {
        let gets = (0..<100).flatMap { requests(worker: $0, seed: 1, count: 7) }.filter {
            if case .get = $0 { return true }
            return false
        }
        XCTAssertEqual(gets.count, 70)
    }

    func testWorkersOfOneSeedDrawDifferentSKUsAndTheSameWorkerRepeatsItself() {
        XCTAssertEqual(requests(worker: 1, seed: 5), requests(worker: 1, seed: 5))
        XCTAssertNotEqual(requests(worker: 1, seed: 5).map(\.sku), requests(worker: 2, seed: 5).map(\.sku))
    }

    func testHotUsesOneSKUNameAndUniformNamesEveryOne() {
        var hot = workload
        hot.distribution = .hot
        XCTAssertEqual(hot.skuNames, ["BENCH-0"])
        XCTAssertEqual(workload.skuNames.count, 100)
        XCTAssertEqual(workload.skuNames.last, "BENCH-99")
    }
}
