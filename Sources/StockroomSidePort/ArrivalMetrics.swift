import Metrics

/// The side port's arrival metrics. Tests pass their own `MetricsFactory` (a private Prometheus
/// registry); the server passes nothing and gets the bootstrapped `MetricsSystem`.
public struct ArrivalMetrics: Sendable {
    /// Callbacks accepted and appended to stock-arrival.
    let received: Counter
    /// Callbacks refused as malformed (400).
    let rejected: Counter

    public init(factory: any MetricsFactory = MetricsSystem.factory) {
        self.received = Counter(label: "stockroom_arrivals_received_total", factory: factory)
        self.rejected = Counter(label: "stockroom_arrivals_rejected_total", factory: factory)
    }
}
