import CoreMetrics
import Prometheus
import StockroomApp
import StockroomCore
import XCTest

/// The help texts reach `/metrics`: every family of every module is in the catalog once, with a
/// help text, and the factory writes it as the family's `# HELP` line whatever the metric's kind.
final class MetricCatalogTests: XCTestCase {
    func testEveryFamilyIsDeclaredOnceWithHelp() {
        let names = MetricCatalog.families.map(\.name)
        XCTAssertEqual(Set(names).count, names.count, "a family declared twice: \(names)")
        for family in MetricCatalog.families {
            XCTAssertTrue(family.name.hasPrefix("stockroom_"), family.name)
            XCTAssertFalse(family.help.isEmpty, "\(family.name) has no help")
            XCTAssertNil(family.name.range(of: "[^a-z_]", options: .regularExpression), "\(family.name) is not snake case")
        }
    }

    func testTheFactoryWritesEachFamilysHelpForEveryKindOfMetric() throws {
        let registry = PrometheusCollectorRegistry()
        let factory = DocumentedPrometheusFactory(registry: registry, families: [
            MetricFamily("test_events_total", help: "Events counted."),
            MetricFamily("test_level", help: "A level."),
            MetricFamily("test_call_duration_seconds", help: "How long calls took."),
            MetricFamily("test_batch_size", help: "Items per batch."),
        ])
        Counter(label: "test_events_total", dimensions: [("kind", "a")], factory: factory).increment()
        Gauge(label: "test_level", factory: factory).record(3)
        Timer(label: "test_call_duration_seconds", factory: factory).recordMilliseconds(12)
        Recorder(label: "test_batch_size", factory: factory).record(5)
        Counter(label: "test_undeclared_total", factory: factory).increment()

        var buffer: [UInt8] = []
        registry.emit(into: &buffer)
        let text = String(decoding: buffer, as: UTF8.self)
        XCTAssertTrue(text.contains("# HELP test_events_total Events counted.\n# TYPE test_events_total counter"), text)
        XCTAssertTrue(text.contains("# HELP test_level A level.\n# TYPE test_level gauge"), text)
        XCTAssertTrue(text.contains("# HELP test_call_duration_seconds How long calls took.\n# TYPE test_call_duration_seconds histogram"), text)
        XCTAssertTrue(text.contains("# HELP test_batch_size Items per batch.\n# TYPE test_batch_size histogram"), text)
        XCTAssertTrue(text.contains("test_call_duration_seconds_bucket{le=\"0.025\"} 1"), "seconds, with swift-prometheus's buckets: \(text)")
        XCTAssertFalse(text.contains("# HELP test_undeclared_total"), "an undeclared family gets no help line")
        XCTAssertTrue(text.contains("test_undeclared_total 1"), text)
    }
}
