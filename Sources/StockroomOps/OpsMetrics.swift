import Metrics

/// The ops groups' metrics. Tests pass their own `MetricsFactory` (a private Prometheus registry);
/// the server passes nothing and gets the bootstrapped `MetricsSystem`.
public struct OpsMetrics: Sendable {
    let sales: Counter
    let stockouts: Counter
    /// Entries seen before and skipped.
    let duplicates: Counter

    public init(factory: any MetricsFactory = MetricsSystem.factory) {
        self.sales = Counter(label: "stockroom_ops_sales_total", factory: factory)
        self.stockouts = Counter(label: "stockroom_ops_stockouts_total", factory: factory)
        self.duplicates = Counter(label: "stockroom_ops_duplicates_total", factory: factory)
    }
}
