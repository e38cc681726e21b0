import Metrics
import StockroomCore

/// The factory client's metrics, made once from one factory.
///
/// Tests pass their own `MetricsFactory` (e.g. a `PrometheusMetricsFactory` on a private registry)
/// instead of bootstrapping the process-wide `MetricsSystem`; the server passes nothing and gets the
/// bootstrapped one.
public struct FactoryMetrics: Sendable {
    let factory: any MetricsFactory

    /// Latency of every factory call, successful or not.
    let callLatency: Metrics.Timer
    let callsSucceeded: Counter
    /// Orders past their deadline asked of the factory again.
    let ordersRequestedAgain: Counter
    /// Orders that ran out of attempts.
    let ordersExpired: Counter

    public init(factory: any MetricsFactory = MetricsSystem.factory) {
        self.factory = factory
        self.callLatency = Metrics.Timer(label: Self.callDuration.name, factory: factory)
        self.callsSucceeded = Counter(label: Self.callsSucceededFamily.name, factory: factory)
        self.ordersRequestedAgain = Counter(label: Self.requestedAgain.name, factory: factory)
        self.ordersExpired = Counter(label: Self.expired.name, factory: factory)
    }

    func recordCall(since start: ContinuousClock.Instant) {
        callLatency.record(duration: ContinuousClock.now - start)
    }

    /// The orders at a glance, as the watchdog last read them: `stockroom_orders_waiting`,
    /// `stockroom_orders_overdue` and `stockroom_order_transitions{transition}`. Gauges, because Redis
    /// keeps the counts (every process and every operator command counts into the same hash): each
    /// reading replaces the last. Alert on `stockroom_orders_overdue` staying above 0.
    func record(_ summary: FactoryOrderSummary) {
        Gauge(label: Self.waiting.name, factory: factory).record(summary.waiting)
        Gauge(label: Self.overdue.name, factory: factory).record(summary.overdue)
        for name in FactoryOrderSummary.transitionNames {
            Gauge(label: Self.transitions.name, dimensions: [("transition", name)], factory: factory)
                .record(summary.transitions[name] ?? 0)
        }
    }

    /// Factory call failures by kind (`timeout`, `overloaded`, …).
    func callFailed(_ code: FactoryError.Code) {
        Counter(label: Self.callFailures.name, dimensions: [("kind", code.metricValue)], factory: factory)
            .increment()
    }
}

extension FactoryMetrics {
    static let callDuration = MetricFamily(
        "stockroom_factory_call_duration_seconds", help: "Duration of each call to the factory's order endpoint, successful or not."
    )
    static let callsSucceededFamily = MetricFamily("stockroom_factory_calls_succeeded_total", help: "Factory calls the factory accepted.")
    static let callFailures = MetricFamily(
        "stockroom_factory_call_failures_total", help: "Factory calls that failed, by kind (timeout, connection_failed, overloaded, rejected, invalid_response, …)."
    )
    static let requestedAgain = MetricFamily(
        "stockroom_orders_requested_again_total", help: "Factory orders asked of the factory again after their deadline passed."
    )
    static let expired = MetricFamily("stockroom_orders_expired_total", help: "Factory orders that ran out of attempts.")
    static let waiting = MetricFamily("stockroom_orders_waiting", help: "Factory orders open or requested, waiting for a delivery.")
    static let overdue = MetricFamily("stockroom_orders_overdue", help: "Waiting factory orders past their deadline.")
    static let transitions = MetricFamily(
        "stockroom_order_transitions", help: "Factory orders that took each transition since the data was created, by transition."
    )

    /// The factory workers' metric families (see ``MetricFamily``).
    public static let families = [callDuration, callsSucceededFamily, callFailures, requestedAgain, expired, waiting, overdue, transitions]
}
