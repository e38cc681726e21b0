import Metrics

/// The factory module's metrics, made once from one factory.
///
/// Tests pass their own `MetricsFactory` (e.g. a `PrometheusMetricsFactory` on a private registry)
/// instead of bootstrapping the process-wide `MetricsSystem`; the server passes nothing and gets the
/// bootstrapped one.
public struct FactoryMetrics: Sendable {
    let factory: any MetricsFactory

    /// Latency of every factory call, successful or not.
    let callLatency: Metrics.Timer
    let callsSucceeded: Counter
    /// Callbacks accepted by the side port and appended to stock-arrival.
    let arrivalsReceived: Counter
    /// Callbacks refused as malformed (400).
    let arrivalsRejected: Counter
    /// Arrivals that raised stock.
    let arrivalsApplied: Counter
    /// Arrivals for orders already delivered: duplicate callbacks, retried factory calls.
    let arrivalsDuplicate: Counter
    let opsSales: Counter
    let opsStockouts: Counter
    /// Ops entries seen before and skipped.
    let opsDuplicates: Counter

    public init(factory: any MetricsFactory = MetricsSystem.factory) {
        self.factory = factory
        self.callLatency = Metrics.Timer(label: "stockroom_factory_call_duration", factory: factory)
        self.callsSucceeded = Counter(label: "stockroom_factory_calls_succeeded_total", factory: factory)
        self.arrivalsReceived = Counter(label: "stockroom_arrivals_received_total", factory: factory)
        self.arrivalsRejected = Counter(label: "stockroom_arrivals_rejected_total", factory: factory)
        self.arrivalsApplied = Counter(label: "stockroom_arrivals_applied_total", factory: factory)
        self.arrivalsDuplicate = Counter(label: "stockroom_arrivals_duplicate_total", factory: factory)
        self.opsSales = Counter(label: "stockroom_ops_sales_total", factory: factory)
        self.opsStockouts = Counter(label: "stockroom_ops_stockouts_total", factory: factory)
        self.opsDuplicates = Counter(label: "stockroom_ops_duplicates_total", factory: factory)
    }

    func recordCall(since start: ContinuousClock.Instant) {
        let (seconds, attoseconds) = (ContinuousClock.now - start).components
        callLatency.recordNanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }

    /// Factory call failures by kind (`timeout`, `overloaded`, …).
    func callFailed(_ code: FactoryError.Code) {
        Counter(label: "stockroom_factory_call_failures_total", dimensions: [("kind", code.metricValue)], factory: factory)
            .increment()
    }
}
