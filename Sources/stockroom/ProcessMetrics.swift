import Metrics
import Prometheus
import StockroomApp

/// The process's metrics: swift-metrics bootstrapped once onto one Prometheus registry, with every
/// family's help text, which the side port's GET /metrics exposes.
enum ProcessMetrics {
    static let registry: PrometheusCollectorRegistry = {
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(DocumentedPrometheusFactory(registry: registry))
        return registry
    }()
}
