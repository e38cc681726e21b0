/// What a load request asks: a PURCHASE, or a STOCK_GET (a shopper looking at the shelf).
public enum RequestKind: String, Sendable, Hashable, CaseIterable, Codable {
    case purchase
    case get
}

/// The share of each kind of request, as `--mix purchase=90,get=10` gives it (weights, not
/// necessarily percentages: `purchase=9,get=1` is the same mix).
public struct RequestMix: Sendable, Hashable, CustomStringConvertible {
    /// Kinds with a weight above 0, in `RequestKind.allCases` order.
    public let weights: [(kind: RequestKind, weight: Int)]

    public static let purchasesOnly = RequestMix(validated: [(.purchase, 1)])

    private init(validated weights: [(kind: RequestKind, weight: Int)]) {
        self.weights = weights
    }

    /// Reads `kind=weight[,kind=weight…]`; kinds are `purchase` and `get`, each named at most once.
    public init(parsing text: String) throws(BenchError) {
        var byKind: [RequestKind: Int] = [:]
        for part in text.split(separator: ",", omittingEmptySubsequences: false) {
            let pair = part.split(separator: "=", omittingEmptySubsequences: false)
            guard pair.count == 2, let kind = RequestKind(rawValue: String(pair[0])), let weight = Int(pair[1]), weight >= 0 else {
                throw BenchError("--mix is kind=weight pairs such as purchase=90,get=10 (kinds: purchase, get), not \(text)")
            }
            guard byKind.updateValue(weight, forKey: kind) == nil else {
                throw BenchError("--mix names \(kind.rawValue) twice: \(text)")
            }
        }
        let weights = RequestKind.allCases.compactMap { kind in byKind[kind].flatMap { $0 > 0 ? (kind, $0) : nil } }
        guard !weights.isEmpty else { throw BenchError("--mix needs a weight above 0: \(text)") }
        self.init(validated: weights)
    }

    public func weight(of kind: RequestKind) -> Int {
        weights.first { $0.kind == kind }?.weight ?? 0
    }

    public var includesPurchases: Bool { weight(of: .purchase) > 0 }

    public var totalWeight: Int { weights.reduce(0) { $0 + $1.weight } }

    /// `purchase=90,get=10`.
    public var description: String {
        weights.map { "\($0.kind.rawValue)=\($0.weight)" }.joined(separator: ",")
    }

    public static func == (lhs: RequestMix, rhs: RequestMix) -> Bool {
        lhs.weights.elementsEqual(rhs.weights) { $0.kind == $1.kind && $0.weight == $1.weight }
    }

    public func hash(into hasher: inout Hasher) {
        for (kind, weight) in weights {
            hasher.combine(kind)
            hasher.combine(weight)
        }
    }
}

/// The kinds of a mix in an exact, evenly spread order: smooth weighted round-robin, as nginx
/// spreads requests over weighted upstreams. Any run of `total weight` picks holds each kind exactly
/// its weight, so a short run has the mix it asked for, with no randomness to average out.
public struct MixSequence: Sendable {
    private let weights: [(kind: RequestKind, weight: Int)]
    private let total: Int
    private var current: [Int]

    public init(_ mix: RequestMix) {
        self.weights = mix.weights
        self.total = mix.totalWeight
        self.current = Array(repeating: 0, count: mix.weights.count)
    }

    public mutating func next() -> RequestKind {
        var chosen = 0
        for index in weights.indices {
            current[index] += weights[index].weight
            if current[index] > current[chosen] { chosen = index }
        }
        current[chosen] -= total
        return weights[chosen].kind
    }
}
