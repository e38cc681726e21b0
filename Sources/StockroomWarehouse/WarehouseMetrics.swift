import Metrics

/// The warehouse group's metrics. Tests pass their own `MetricsFactory` (a private Prometheus
/// registry); the server passes nothing and gets the bootstrapped `MetricsSystem`.
public struct WarehouseMetrics: Sendable {
    /// Arrivals that raised stock.
    let arrivalsApplied: Counter
    /// Arrivals for orders already delivered: duplicate callbacks, retried factory calls.
    let arrivalsDuplicate: Counter

    public init(factory: any MetricsFactory = MetricsSystem.factory) {
        self.arrivalsApplied = Counter(label: "stockroom_arrivals_applied_total", factory: factory)
        self.arrivalsDuplicate = Counter(label: "stockroom_arrivals_duplicate_total", factory: factory)
    }
}
