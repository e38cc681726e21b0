import NIOCore

/// One target's whole run: set the stock, load, check the stock balances, measure memory.
public struct TargetRun: Sendable {
    public var plan: LoadPlan
    public var label: String?
    public var tls: Bool
    public var redisDurability: String?
    /// Set for `--memory`.
    public var memory: MemoryProbe?
    /// The Redis whose CPU the load costs, when the harness knows it (`--redis`).
    public var redisCPU: RedisCPU?
    /// The server process, when the harness knows it (`--server-pid`): its CPU per request.
    public var server: ServerProcess?

    public init(
        plan: LoadPlan, label: String?, tls: Bool, redisDurability: String?, memory: MemoryProbe?, redisCPU: RedisCPU? = nil,
        server: ServerProcess? = nil
    ) {
        self.plan = plan
        self.label = label
        self.tls = tls
        self.redisDurability = redisDurability
        self.memory = memory
        self.redisCPU = redisCPU
        self.server = server
    }

    /// - Parameters:
    ///   - runTag: the run's purchase-id tag, fresh for each run.
    ///   - timers: the event loop the open loop's waits are scheduled on.
    ///   - say: gets the progress and check lines as they happen.
    public func run(
        _ target: any LoadTarget,
        runTag: String,
        timers: any EventLoop,
        say: @escaping @Sendable (String) -> Void
    ) async throws -> TargetResult {
        let skus = plan.workload.skuNames
        say("\(target.name): setting the stock of \(Formatting.grouped(skus.count)) SKU\(skus.count == 1 ? "" : "s") to \(Formatting.grouped(plan.workload.stockPerSKU))")
        try await target.setStock(plan.workload.stockPerSKU, of: skus)
        let baseline = try await memory?.baseline()

        say("\(target.name): \(plan.description)")
        let redisCPUAtStart = try await redisCPU?.seconds()
        let serverCPUAtStart = try server?.cpuSeconds()
        let outcome = await LoadRunner(plan: plan, runTag: runTag, timers: timers).run(target, progress: say)
        var serverCPUPerRequest: Double?
        if let server, let serverCPUAtStart {
            serverCPUPerRequest = ProcessCPU.microsecondsPerRequest(try server.cpuSeconds() - serverCPUAtStart, requests: outcome.tally.completed)
        }
        var redisCPUPerRequest: Double?
        if let redisCPU, let redisCPUAtStart {
            redisCPUPerRequest = ProcessCPU.microsecondsPerRequest(try await redisCPU.seconds() - redisCPUAtStart, requests: outcome.tally.completed)
        }

        var check: StockBalance?
        if plan.workload.mix.includesPurchases {
            let remaining = try await target.stock(of: skus)
            let balance = StockBalance(
                names: skus, stockSet: plan.workload.stockPerSKU, sold: outcome.tally.soldUnits,
                uncertain: outcome.tally.uncertainUnits, remaining: remaining
            )
            check = balance
        }
        var retained: RetainedMemory?
        if let memory, let baseline {
            retained = try await memory.measure(
                since: baseline, purchases: outcome.tally.purchases, sales: outcome.tally.results["SOLD"] ?? 0, progress: say
            )
        }
        let setup = TargetResult.Setup(plan: plan, tls: tls, redisDurability: redisDurability, runTag: runTag)
        var result = TargetResult(target: target.name, label: label, setup: setup, outcome: outcome, check: check, memory: retained)
        result.redisCpuMicrosecondsPerRequest = redisCPUPerRequest
        result.serverCpuMicrosecondsPerRequest = serverCPUPerRequest
        return result
    }
}
