import Metrics
import StockroomCore

/// The ops groups' metrics. Tests pass their own `MetricsFactory` (a private Prometheus registry);
/// the server passes nothing and gets the bootstrapped `MetricsSystem`.
public struct OpsMetrics: Sendable {
    let sales: Counter
    let stockouts: Counter
    /// Entries seen before and skipped.
    let duplicates: Counter

    public init(factory: any MetricsFactory = MetricsSystem.factory) {
        self.sales = Counter(label: Self.salesFamily.name, factory: factory)
        self.stockouts = Counter(label: Self.stockoutsFamily.name, factory: factory)
        self.duplicates = Counter(label: Self.duplicatesFamily.name, factory: factory)
    }
}

extension OpsMetrics {
    static let salesFamily = MetricFamily("stockroom_ops_sales_total", help: "Sales events the ops group counted.")
    static let stockoutsFamily = MetricFamily("stockroom_ops_stockouts_total", help: "Stock-empty events the ops group counted.")
    static let duplicatesFamily = MetricFamily(
        "stockroom_ops_duplicates_total", help: "Events the ops group had counted before and skipped."
    )

    /// The ops group's metric families (see ``MetricFamily``).
    public static let families = [salesFamily, stockoutsFamily, duplicatesFamily]
}
