/// What one target's run measured: the JSON report's `stockroom` or `redis` object.
public struct TargetResult: Sendable, Codable {
    /// How the run was set up, so a JSON file says what it measured.
    public struct Setup: Sendable, Codable, Hashable {
        public var connections: Int
        public var pipeline: Int
        /// Open-loop rate in requests/s; nil for a closed loop.
        public var rate: Double?
        public var requests: Int?
        public var durationSeconds: Double?
        public var skus: Int
        public var distribution: String
        public var mix: String
        public var quantity: Int
        public var stock: Int
        public var tls: Bool
        /// Redis's `appendfsync` when the harness could ask (`always`, `everysec`, `no`), or `none`
        /// without an append-only file.
        public var redisDurability: String?
        public var runTag: String
        public var seed: UInt64

        public init(plan: LoadPlan, tls: Bool, redisDurability: String?, runTag: String) {
            connections = plan.connections
            pipeline = plan.pipeline
            rate = plan.rate
            if case .requests(let count) = plan.bound { requests = count }
            if case .duration(let seconds) = plan.bound { durationSeconds = seconds }
            skus = plan.workload.skuNames.count
            distribution = plan.workload.distribution.description
            mix = plan.workload.mix.description
            quantity = plan.workload.quantity
            stock = plan.workload.stockPerSKU
            self.tls = tls
            self.redisDurability = redisDurability
            self.runTag = runTag
            seed = plan.seed
        }
    }

    public var target: String
    /// A name for the run in tables and plot legends (`--label`).
    public var label: String?
    public var setup: Setup
    /// Requests answered per second, from the first request to the last answer.
    public var throughput: Double
    public var requests: Int
    public var elapsedSeconds: Double
    /// CPU time (user and system) the harness spent per answered request: on a machine it shares
    /// with the server and Redis, what it takes from them.
    public var harnessCpuMicrosecondsPerRequest: Double
    /// CPU time Redis spent per answered request, when the harness was given its URL: the cost the
    /// issue's budget counts in purchases per Redis core.
    public var redisCpuMicrosecondsPerRequest: Double?
    /// CPU time the server process spent per answered request, when the harness was given its pid.
    public var serverCpuMicrosecondsPerRequest: Double?
    public var latencyMs: LatencySummary
    /// Answers by code: SOLD, OUT_OF_STOCK, STOCK, REPLAY.
    public var results: [String: Int]
    public var errors: [String: Int]
    /// Latencies above a minute, counted as a minute.
    public var latenciesClamped: Int
    public var check: StockBalance?
    public var memory: RetainedMemory?
    /// The percentile distribution the plot draws.
    public var percentiles: [PercentilePoint]

    public init(
        target: String, label: String?, setup: Setup, outcome: LoadRunner.Outcome, check: StockBalance?, memory: RetainedMemory?
    ) {
        self.target = target
        self.label = label
        self.setup = setup
        let tally = outcome.tally
        self.requests = tally.completed
        self.elapsedSeconds = outcome.elapsedSeconds
        self.throughput = outcome.elapsedSeconds > 0 ? Double(tally.completed) / outcome.elapsedSeconds : 0
        self.harnessCpuMicrosecondsPerRequest = ProcessCPU.microsecondsPerRequest(outcome.harnessCPUSeconds, requests: tally.completed) ?? 0
        self.latencyMs = tally.latencies.summary
        self.results = tally.results
        self.errors = tally.errors
        self.latenciesClamped = tally.latencies.clamped
        self.check = check
        self.memory = memory
        self.percentiles = tally.latencies.percentileCurve()
    }

    /// The legend of this run in a plot: its label, else the target and its load.
    public var legend: String {
        label ?? "\(target) \(setup.connections)×\(setup.pipeline)\(setup.tls ? " TLS" : "")"
    }
}

/// Stockroom over Redis, each figure: throughput, p50 and p99.
public struct TargetRatio: Sendable, Codable, Hashable {
    public var throughput: Double
    public var p50: Double
    public var p99: Double

    public init(stockroom: TargetResult, redis: TargetResult) {
        throughput = Self.ratio(stockroom.throughput, redis.throughput)
        p50 = Self.ratio(stockroom.latencyMs.p50, redis.latencyMs.p50)
        p99 = Self.ratio(stockroom.latencyMs.p99, redis.latencyMs.p99)
    }

    private static func ratio(_ numerator: Double, _ denominator: Double) -> Double {
        denominator > 0 ? numerator / denominator : 0
    }

    /// Exactly `ratio throughput=X p50=Y p99=Z`, two decimals each.
    public var line: String {
        "ratio throughput=\(Formatting.twoDecimals(throughput)) p50=\(Formatting.twoDecimals(p50)) p99=\(Formatting.twoDecimals(p99))"
    }
}
