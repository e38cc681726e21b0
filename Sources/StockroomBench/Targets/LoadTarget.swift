/// What the load drives: Stockroom through its client library, or Redis straight with the same
/// purchase script. Both take the same requests on the same number of connections.
public protocol LoadTarget: Sendable {
    /// `stockroom` or `redis`: the key of its results in the JSON report.
    var name: String { get }
    var connectionCount: Int { get }

    /// Carries out one request on connection `connection` (`0 ..< connectionCount`); never throws:
    /// a failure is an outcome the tally counts.
    func perform(_ request: BenchRequest, sku: String, on connection: Int) async -> RequestOutcome

    /// Sets every SKU's stock to `stock` (creating the SKU when new).
    func setStock(_ stock: Int, of skus: [String]) async throws

    /// Every SKU's stock now, in the order of `skus`.
    func stock(of skus: [String]) async throws -> [Int]

    func close() async
}

/// How many requests setting or reading the stock of many SKUs keeps in flight.
let administrativeConcurrency = 64

/// `body` for every element, at most `limit` at once; the results in the order of `elements`.
func concurrentMap<Element: Sendable, Result: Sendable>(
    _ elements: [Element],
    limit: Int,
    _ body: @escaping @Sendable (Element) async throws -> Result
) async throws -> [Result] {
    try await withThrowingTaskGroup(of: (Int, Result).self) { group in
        var results = [Result?](repeating: nil, count: elements.count)
        var next = 0
        while next < min(limit, elements.count) {
            let index = next
            group.addTask { (index, try await body(elements[index])) }
            next += 1
        }
        while let (index, result) = try await group.next() {
            results[index] = result
            if next < elements.count {
                let index = next
                group.addTask { (index, try await body(elements[index])) }
                next += 1
            }
        }
        return results.map { $0! }
    }
}
