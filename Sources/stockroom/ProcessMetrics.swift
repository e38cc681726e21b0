import Metrics
import Prometheus

/// The process's metrics: swift-metrics bootstrapped once onto one Prometheus registry, which the
/// side port's GET /metrics exposes.
enum ProcessMetrics {
    static let registry: PrometheusCollectorRegistry = {
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        return registry
    }()
}
