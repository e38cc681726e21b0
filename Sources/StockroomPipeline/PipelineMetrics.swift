import Metrics
import StockroomCore

/// The pipeline's metrics, by topic and group; ``PipelineMetricFamilies`` names and explains each
/// family. The app bootstraps the backend; tests pass their own factory.
struct PipelineMetrics: Sendable {
    let acked: Counter
    let failed: Counter
    let poison: Counter
    let handlerDuration: Timer
    let reclaimed: Counter
    let redelivered: Counter
    let deadLetteredPoison: Counter
    let deadLetteredMaxDeliveries: Counter
    let redisErrors: Counter
    private let base: [(String, String)]
    private let factory: any MetricsFactory

    /// - Parameter factory: the process's metrics backend, or a test's.
    init(_ subscription: Subscription, factory: any MetricsFactory = MetricsSystem.factory) {
        let base = [("topic", subscription.topic.rawValue), ("group", subscription.group)]
        self.base = base
        self.factory = factory
        acked = Counter(label: PipelineMetricFamilies.handled.name, dimensions: base + [("result", "acked")], factory: factory)
        failed = Counter(label: PipelineMetricFamilies.handled.name, dimensions: base + [("result", "failed")], factory: factory)
        poison = Counter(label: PipelineMetricFamilies.handled.name, dimensions: base + [("result", "poison")], factory: factory)
        handlerDuration = Timer(
            label: PipelineMetricFamilies.handlerDuration.name,
            dimensions: base,
            preferredDisplayUnit: .seconds,
            factory: factory
        )
        reclaimed = Counter(label: PipelineMetricFamilies.reclaimed.name, dimensions: base, factory: factory)
        redelivered = Counter(label: PipelineMetricFamilies.redelivered.name, dimensions: base, factory: factory)
        deadLetteredPoison = Counter(
            label: PipelineMetricFamilies.deadLetters.name, dimensions: base + [("reason", "poison")], factory: factory
        )
        deadLetteredMaxDeliveries = Counter(
            label: PipelineMetricFamilies.deadLetters.name,
            dimensions: base + [("reason", "max-deliveries")],
            factory: factory
        )
        redisErrors = Counter(label: PipelineMetricFamilies.redisErrors.name, dimensions: base, factory: factory)
    }

    /// Records how many of this process's consumers currently fail to read `partition`.
    func recordUnreadable(partition: Int, failingConsumers: Int) {
        Gauge(
            label: PipelineMetricFamilies.partitionUnreadable.name,
            dimensions: base + [("partition", String(partition))],
            factory: factory
        ).record(failingConsumers)
    }

    func deadLettered(reason: DeadLetterReason) -> Counter {
        reason == .poison ? deadLetteredPoison : deadLetteredMaxDeliveries
    }

    static func updateGauges(_ status: StreamStatus) {
        let dimensions = [("topic", status.subscription.topic.rawValue), ("group", status.subscription.group)]
        Gauge(label: PipelineMetricFamilies.lag.name, dimensions: dimensions).record(status.lag + status.retryLag)
        Gauge(label: PipelineMetricFamilies.pending.name, dimensions: dimensions).record(status.pending + status.retryPending)
        Gauge(label: PipelineMetricFamilies.deadLetterBacklog.name, dimensions: dimensions).record(status.deadLetters)
    }

    static func trimmed(_ topic: Topic, _ count: Int) {
        guard count > 0 else { return }
        Counter(label: PipelineMetricFamilies.trimmed.name, dimensions: [("topic", topic.rawValue)]).increment(by: count)
    }
}

/// Why an entry became a dead letter.
public enum DeadLetterReason: String, Sendable, Hashable {
    /// The handler threw `PoisonEntry`: no retry can help.
    case poison
    /// Redis counted `maxDeliveries` deliveries, failed or never finished.
    case maxDeliveries = "max-deliveries"
}

/// The pipeline's metric families (see ``MetricFamily``); `topic` and `group` label every one but
/// `trimmed`.
public enum PipelineMetricFamilies {
    static let handled = MetricFamily(
        "stockroom_pipeline_handled_total", help: "Entries a handler finished, by result: acked, failed (retried later), poison."
    )
    static let handlerDuration = MetricFamily("stockroom_pipeline_handler_duration_seconds", help: "Time a handler took on one entry.")
    static let reclaimed = MetricFamily(
        "stockroom_pipeline_reclaimed_total", help: "Entries taken over from another consumer after the visibility timeout."
    )
    static let redelivered = MetricFamily("stockroom_pipeline_redelivered_total", help: "Deliveries after an entry's first.")
    static let deadLetters = MetricFamily(
        "stockroom_pipeline_dead_letters_total", help: "Entries moved to the dead letters, by reason: poison, max-deliveries."
    )
    static let redisErrors = MetricFamily("stockroom_pipeline_redis_errors_total", help: "Redis failures a consumer loop retried.")
    static let lag = MetricFamily(
        "stockroom_pipeline_lag", help: "Entries not yet delivered to the group, retry streams included (updated by the sweeper)."
    )
    static let pending = MetricFamily(
        "stockroom_pipeline_pending", help: "Entries delivered to the group and not acknowledged yet (updated by the sweeper)."
    )
    static let deadLetterBacklog = MetricFamily(
        "stockroom_pipeline_dead_letter_backlog", help: "Entries in the group's dead-letter streams (updated by the sweeper)."
    )
    static let trimmed = MetricFamily("stockroom_pipeline_trimmed_total", help: "Entries trimmed from topic streams, by topic.")
    static let partitionUnreadable = MetricFamily(
        "stockroom_pipeline_partition_unreadable", help: "Consumers of this process whose last read of the partition failed; 0 is healthy."
    )

    public static let all = [
        handled, handlerDuration, reclaimed, redelivered, deadLetters, redisErrors, lag, pending, deadLetterBacklog, trimmed,
        partitionUnreadable,
    ]
}
