/// Everything one run counted: latencies, answers by code, errors by code, and per SKU the units
/// sold and the units whose fate is unknown (for the oversell check).
public struct RunTally: Sendable {
    public var latencies = LatencyHistogram()
    /// Answers by code: SOLD, OUT_OF_STOCK, STOCK, REPLAY.
    public var results: [String: Int] = [:]
    /// Errors by code.
    public var errors: [String: Int] = [:]
    /// Units sold, by SKU index.
    public var soldUnits: [Int]
    /// Units of purchases that may or may not have sold (no answer), by SKU index.
    public var uncertainUnits: [Int]
    /// Purchase requests answered or failed.
    public private(set) var purchases = 0

    public init(skuCount: Int) {
        soldUnits = Array(repeating: 0, count: skuCount)
        uncertainUnits = Array(repeating: 0, count: skuCount)
    }

    public var completed: Int { Int(latencies.count) }
    public var errorCount: Int { errors.values.reduce(0, +) }

    public mutating func record(_ outcome: RequestOutcome, for request: BenchRequest, latencyNanoseconds: UInt64) {
        latencies.record(nanoseconds: latencyNanoseconds)
        switch outcome {
        case .error(let code, _):
            errors[code, default: 0] += 1
        default:
            results[outcome.code, default: 0] += 1
        }
        guard case .purchase(let sku, let quantity, _) = request else { return }
        purchases += 1
        switch outcome {
        case .sold: soldUnits[sku] += quantity
        case .error(_, uncertain: true): uncertainUnits[sku] += quantity
        case .outOfStock, .replay, .stock, .error: break
        }
    }

    public mutating func add(_ other: RunTally) {
        latencies.add(other.latencies)
        results.merge(other.results, uniquingKeysWith: +)
        errors.merge(other.errors, uniquingKeysWith: +)
        for index in soldUnits.indices {
            soldUnits[index] += other.soldUnits[index]
            uncertainUnits[index] += other.uncertainUnits[index]
        }
        purchases += other.purchases
    }
}
