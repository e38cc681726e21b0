import Foundation

/// How requests spread over the SKUs: `hot` (one SKU, the flash sale), `uniform`, or `zipf:S`
/// (the k-th most popular SKU is asked for in proportion to 1/k^S, as memtier_benchmark's
/// `--key-pattern` and YCSB's zipfian generator do).
public enum SKUDistribution: Sendable, Hashable, CustomStringConvertible {
    case hot
    case uniform
    case zipf(exponent: Double)

    /// Reads `hot`, `uniform` or `zipf:S` with S > 0.
    public init(parsing text: String) throws(BenchError) {
        switch text {
        case "hot": self = .hot
        case "uniform": self = .uniform
        default:
            guard text.hasPrefix("zipf:"), let exponent = Double(text.dropFirst("zipf:".count)), exponent > 0,
                exponent.isFinite
            else {
                throw BenchError("--distribution is hot, uniform or zipf:S with S > 0 (e.g. zipf:0.99), not \(text)")
            }
            self = .zipf(exponent: exponent)
        }
    }

    public var description: String {
        switch self {
        case .hot: "hot"
        case .uniform: "uniform"
        case .zipf(let exponent): "zipf:\(exponent)"
        }
    }
}

/// Picks SKU indexes in `0..<count` as a distribution says. Immutable, so workers share one.
public struct SKUPicker: Sendable {
    private enum Method: Sendable {
        case single
        case uniform(count: Int)
        /// Cumulative probabilities, ascending, the last one 1: index i is picked for draws in
        /// [cumulative[i-1], cumulative[i]).
        case cumulative([Double])
    }

    private let method: Method
    public let count: Int

    /// - Parameters:
    ///   - distribution: `hot` always picks index 0, whatever `count` is.
    ///   - count: how many SKUs there are, at least 1.
    public init(_ distribution: SKUDistribution, count: Int) {
        precondition(count >= 1, "a workload needs at least one SKU")
        self.count = count
        switch distribution {
        case .hot:
            method = .single
        case .uniform:
            method = count == 1 ? .single : .uniform(count: count)
        case .zipf(let exponent):
            var cumulative: [Double] = []
            cumulative.reserveCapacity(count)
            var total = 0.0
            for rank in 1...count {
                total += 1 / pow(Double(rank), exponent)
                cumulative.append(total)
            }
            method = .cumulative(cumulative.map { $0 / total })
        }
    }

    public func next(using generator: inout some RandomNumberGenerator) -> Int {
        switch method {
        case .single:
            return 0
        case .uniform(let count):
            return Int.random(in: 0..<count, using: &generator)
        case .cumulative(let cumulative):
            let draw = Double.random(in: 0..<1, using: &generator)
            // The first index whose cumulative probability exceeds the draw.
            var low = 0
            var high = cumulative.count - 1
            while low < high {
                let middle = (low + high) / 2
                if cumulative[middle] > draw { high = middle } else { low = middle + 1 }
            }
            return low
        }
    }
}
