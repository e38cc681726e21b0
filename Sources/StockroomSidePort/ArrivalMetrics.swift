import Metrics

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
        self.received = Counter(label: "stockroom_arrivals_received_total", factory: factory)
        self.duplicates = Counter(label: "stockroom_arrivals_repeated_total", factory: factory)
        self.rejected = Counter(label: "stockroom_arrivals_rejected_total", factory: factory)
    }

    /// Counts one refused callback, in total and by reason (`invalid_callback`, `forbidden`, …).
    func refused(_ code: ArrivalError.Code) {
        rejected.increment()
        Counter(label: "stockroom_arrivals_refused_total", dimensions: [("reason", code.name.lowercased())], factory: factory)
            .increment()
    }
}
