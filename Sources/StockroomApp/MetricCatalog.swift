import CoreMetrics
import Prometheus
import StockroomCore
import StockroomFactory
import StockroomOps
import StockroomPipeline
import StockroomServer
import StockroomSidePort
import StockroomWarehouse

/// Every metric family a Stockroom process can show on `/metrics`, from every module.
public enum MetricCatalog {
    public static let families: [MetricFamily] =
        ServerMetricFamilies.all + PipelineMetricFamilies.all + FactoryMetrics.families + ArrivalMetrics.families
        + OpsMetrics.families + WarehouseMetrics.families
}

/// swift-metrics onto a Prometheus registry, like swift-prometheus's own `PrometheusMetricsFactory`
/// (same metric types, same default buckets), but with each family's HELP text from its
/// ``MetricFamily``: Prometheus's tools (`promtool check metrics`) and users expect one, and the
/// swift-metrics API has no place for it. A label no family declares gets no help.
public struct DocumentedPrometheusFactory: Sendable {
    public let registry: PrometheusCollectorRegistry
    private let help: [String: String]
    /// swift-prometheus's own factory on the same registry: its default buckets, its unregistering.
    private let plain: PrometheusMetricsFactory

    public init(registry: PrometheusCollectorRegistry, families: [MetricFamily] = MetricCatalog.families) {
        self.registry = registry
        self.help = Dictionary(families.map { ($0.name, $0.help) }, uniquingKeysWith: { first, _ in first })
        self.plain = PrometheusMetricsFactory(registry: registry)
    }

    private func help(for name: String) -> String { help[name] ?? "" }
}

extension DocumentedPrometheusFactory: CoreMetrics.MetricsFactory {
    public func makeCounter(label: String, dimensions: [(String, String)]) -> any CoreMetrics.CounterHandler {
        registry.makeCounter(name: label, labels: dimensions, help: help(for: label))
    }

    public func makeFloatingPointCounter(label: String, dimensions: [(String, String)]) -> any FloatingPointCounterHandler {
        registry.makeCounter(name: label, labels: dimensions, help: help(for: label))
    }

    public func makeRecorder(label: String, dimensions: [(String, String)], aggregate: Bool) -> any CoreMetrics.RecorderHandler {
        guard aggregate else {
            return registry.makeGauge(name: label, labels: dimensions, help: help(for: label))
        }
        let buckets = plain.valueHistogramBuckets[label] ?? plain.defaultValueHistogramBuckets
        return registry.makeValueHistogram(name: label, labels: dimensions, buckets: buckets, help: help(for: label))
    }

    public func makeMeter(label: String, dimensions: [(String, String)]) -> any CoreMetrics.MeterHandler {
        registry.makeGauge(name: label, labels: dimensions, help: help(for: label))
    }

    public func makeTimer(label: String, dimensions: [(String, String)]) -> any CoreMetrics.TimerHandler {
        let buckets = plain.durationHistogramBuckets[label] ?? plain.defaultDurationHistogramBuckets
        return registry.makeDurationHistogram(name: label, labels: dimensions, buckets: buckets, help: help(for: label))
    }

    // Destroying needs no help text: the plain factory on the same registry does it.
    public func destroyCounter(_ handler: any CoreMetrics.CounterHandler) { plain.destroyCounter(handler) }
    public func destroyFloatingPointCounter(_ handler: any FloatingPointCounterHandler) { plain.destroyFloatingPointCounter(handler) }
    public func destroyRecorder(_ handler: any CoreMetrics.RecorderHandler) { plain.destroyRecorder(handler) }
    public func destroyMeter(_ handler: any CoreMetrics.MeterHandler) { plain.destroyMeter(handler) }
    public func destroyTimer(_ handler: any CoreMetrics.TimerHandler) { plain.destroyTimer(handler) }
}
