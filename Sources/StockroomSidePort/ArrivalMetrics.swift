import Metrics
import StockroomCore

/// The side port's arrival metrics. Tests pass their own `MetricsFactory` (a private Prometheus
/// registry); the server passes nothing and gets the bootstrapped `MetricsSystem`.
public struct ArrivalMetrics: Sendable {
    /// Callbacks accepted and appended to stock-arrival.
    let received: Counter
    /// Repeats of a delivered order's callback: answered 200, nothing appended.
    let duplicates: Counter
    /// Callbacks refused for any reason (400, 403, 404, 409).
    let rejected: Counter
    private let factory: any MetricsFactory

    public init(factory: any MetricsFactory = MetricsSystem.factory) {
        self.factory = factory
        self.received = Counter(label: Self.receivedFamily.name, factory: factory)
        self.duplicates = Counter(label: Self.repeatedFamily.name, factory: factory)
        self.rejected = Counter(label: Self.rejectedFamily.name, factory: factory)
    }

    /// Counts one refused callback, in total and by reason (`invalid_callback`, `forbidden`, …).
    func refused(_ code: ArrivalError.Code) {
        rejected.increment()
        Counter(label: Self.refusedFamily.name, dimensions: [("reason", code.name.lowercased())], factory: factory)
            .increment()
    }
}

extension ArrivalMetrics {
    static let receivedFamily = MetricFamily(
        "stockroom_arrivals_received_total", help: "Factory callbacks accepted and appended to stock-arrival."
    )
    static let repeatedFamily = MetricFamily(
        "stockroom_arrivals_repeated_total", help: "Repeated callbacks of a delivered order: answered 200, nothing appended."
    )
    static let rejectedFamily = MetricFamily("stockroom_arrivals_rejected_total", help: "Factory callbacks refused, for any reason.")
    static let refusedFamily = MetricFamily(
        "stockroom_arrivals_refused_total", help: "Factory callbacks refused, by reason (invalid_callback, forbidden, …)."
    )

    /// The side port's metric families (see ``MetricFamily``).
    public static let families = [receivedFamily, repeatedFamily, rejectedFamily, refusedFamily]
}
