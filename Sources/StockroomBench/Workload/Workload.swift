/// What the load asks for: which SKUs, how often each, which requests, how many units.
public struct Workload: Sendable, Hashable {
    /// SKUs the load spreads over (`hot` uses only the first).
    public var skuCount: Int
    public var distribution: SKUDistribution
    public var mix: RequestMix
    /// Units each purchase asks for.
    public var quantity: Int
    /// Stock each SKU is set to before the run.
    public var stockPerSKU: Int
    /// SKU names are `<prefix>-<index>`.
    public var skuPrefix = "BENCH"

    public init(skuCount: Int, distribution: SKUDistribution, mix: RequestMix, quantity: Int, stockPerSKU: Int) {
        self.skuCount = skuCount
        self.distribution = distribution
        self.mix = mix
        self.quantity = quantity
        self.stockPerSKU = stockPerSKU
    }

    /// The SKUs the run touches, and so sets before and checks after: one for `hot`.
    public var skuNames: [String] {
        (0..<(distribution == .hot ? 1 : skuCount)).map { "\(skuPrefix)-\($0)" }
    }

    /// `hot (1 SKU)`, `uniform over 10000 SKUs`.
    public var skuDescription: String {
        distribution == .hot ? "hot (1 SKU)" : "\(distribution) over \(skuCount) SKUs"
    }
}

/// One request of the load, with its SKU as an index into `Workload.skuNames`.
public enum BenchRequest: Sendable, Hashable {
    case purchase(sku: Int, quantity: Int, purchaseID: String)
    case get(sku: Int)

    public var sku: Int {
        switch self {
        case .purchase(let sku, _, _), .get(let sku): sku
        }
    }
}

/// One worker's stream of requests: kinds in the mix's exact proportions, SKUs drawn from the
/// distribution with the worker's own seeded generator, purchase ids that never repeat in the run.
public struct RequestGenerator: Sendable {
    private let picker: SKUPicker
    private let quantity: Int
    private var kinds: MixSequence
    private var ids: PurchaseIDGenerator
    private var random: SplitMix64

    public init(workload: Workload, picker: SKUPicker, runTag: String, worker: Int, seed: UInt64) {
        self.picker = picker
        self.quantity = workload.quantity
        self.kinds = MixSequence(workload.mix)
        // Workers start at different points of the sequence, so that the run as a whole keeps the
        // mix however few requests each worker makes.
        for _ in 0..<(worker % workload.mix.totalWeight) { _ = kinds.next() }
        self.ids = PurchaseIDGenerator(runTag: runTag, worker: worker)
        self.random = SplitMix64(seed: SplitMix64.seed(seed, worker: worker))
    }

    public mutating func next() -> BenchRequest {
        let sku = picker.next(using: &random)
        switch kinds.next() {
        case .purchase: return .purchase(sku: sku, quantity: quantity, purchaseID: ids.next())
        case .get: return .get(sku: sku)
        }
    }
}
