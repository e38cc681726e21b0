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
        self.callLatency = Metrics.Timer(label: "stockroom_factory_call_duration", factory: factory)
        self.callsSucceeded = Counter(label: "stockroom_factory_calls_succeeded_total", factory: factory)
        self.ordersRequestedAgain = Counter(label: "stockroom_orders_requested_again_total", factory: factory)
        self.ordersExpired = Counter(label: "stockroom_orders_expired_total", factory: factory)
    }

    func recordCall(since start: ContinuousClock.Instant) {
        callLatency.record(duration: ContinuousClock.now - start)
    }

    /// The orders at a glance, as the watchdog last read them: `stockroom_orders_waiting`,
    /// `stockroom_orders_overdue` and `stockroom_order_transitions{transition}`. Gauges, because Redis
    /// keeps the counts (every process and every operator command counts into the same hash): each
    /// reading replaces the last. Alert on `stockroom_orders_overdue` staying above 0.
    func record(_ summary: FactoryOrderSummary) {
        Gauge(label: "stockroom_orders_waiting", factory: factory).record(summary.waiting)
        Gauge(label: "stockroom_orders_overdue", factory: factory).record(summary.overdue)
        for name in FactoryOrderSummary.transitionNames {
            Gauge(label: "stockroom_order_transitions", dimensions: [("transition", name)], factory: factory)
                .record(summary.transitions[name] ?? 0)
        }
    }

    /// Factory call failures by kind (`timeout`, `overloaded`, …).
    func callFailed(_ code: FactoryError.Code) {
        Counter(label: "stockroom_factory_call_failures_total", dimensions: [("kind", code.metricValue)], factory: factory)
            .increment()
    }
}
