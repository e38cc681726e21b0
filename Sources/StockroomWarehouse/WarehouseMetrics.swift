import Metrics
import StockroomCore

/// The warehouse group's metrics. Tests pass their own `MetricsFactory` (a private Prometheus
/// registry); the server passes nothing and gets the bootstrapped `MetricsSystem`.
public struct WarehouseMetrics: Sendable {
    /// Arrivals that raised stock.
    let arrivalsApplied: Counter
    /// Arrivals for orders already delivered: duplicate callbacks, retried factory calls.
    let arrivalsDuplicate: Counter

    public init(factory: any MetricsFactory = MetricsSystem.factory) {
        self.arrivalsApplied = Counter(label: Self.appliedFamily.name, factory: factory)
        self.arrivalsDuplicate = Counter(label: Self.duplicateFamily.name, factory: factory)
    }
}

extension WarehouseMetrics {
    static let appliedFamily = MetricFamily("stockroom_arrivals_applied_total", help: "Factory deliveries that raised stock.")
    static let duplicateFamily = MetricFamily(
        "stockroom_arrivals_duplicate_total", help: "Deliveries for orders already delivered: duplicate callbacks, retried calls."
    )

    /// The warehouse group's metric families (see ``MetricFamily``).
    public static let families = [appliedFamily, duplicateFamily]
}
