/// How a run loads its target: the loop, its size, and the workload.
public struct LoadPlan: Sendable, Hashable {
    public var connections: Int
    /// Closed loop: requests in flight on each connection. Open loop: the most each connection may
    /// have in flight; a request due while all are busy waits, and its wait counts in its latency.
    public var pipeline: Int
    public var bound: LoadBound
    /// Requests per second over the whole run for an open loop; nil for a closed loop.
    public var rate: Double?
    public var workload: Workload
    /// Seeds the workers' SKU draws, so a run's workload can be repeated.
    public var seed: UInt64

    public init(connections: Int, pipeline: Int, bound: LoadBound, rate: Double?, workload: Workload, seed: UInt64) {
        self.connections = connections
        self.pipeline = pipeline
        self.bound = bound
        self.rate = rate
        self.workload = workload
        self.seed = seed
    }

    /// Workers: one per request a connection keeps in flight.
    public var workers: Int { connections * pipeline }

    /// `50 connections × 16 in flight, hot (1 SKU), purchase=100, 5 s` (closed loop) or
    /// `… open loop at 20,000 req/s …`.
    public var description: String {
        var parts = ["\(connections) connection\(connections == 1 ? "" : "s") × \(pipeline) in flight"]
        if let rate { parts.append("open loop at \(Formatting.grouped(rate)) req/s") }
        parts.append(workload.skuDescription)
        parts.append(workload.mix.description + (workload.quantity == 1 ? "" : " × \(workload.quantity)"))
        parts.append(bound.description)
        return parts.joined(separator: ", ")
    }
}
