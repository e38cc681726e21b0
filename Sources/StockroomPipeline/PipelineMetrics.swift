import Metrics
import StockroomCore

/// The pipeline's metrics, by topic and group. Names follow Prometheus conventions; the app
/// bootstraps the backend.
///
/// ```
/// stockroom_pipeline_handled_total{topic,group,result}      result: acked, failed, poison
/// stockroom_pipeline_handler_duration_seconds{topic,group}  handler latency (timer)
/// stockroom_pipeline_reclaimed_total{topic,group}           entries taken over after the visibility timeout
/// stockroom_pipeline_redelivered_total{topic,group}         deliveries after the first (read with count > 1)
/// stockroom_pipeline_dead_letters_total{topic,group,reason} reason: poison, max-deliveries
/// stockroom_pipeline_redis_errors_total{topic,group}        Redis failures a loop retried
/// stockroom_pipeline_lag{topic,group}                       entries not yet delivered to the group (gauge)
/// stockroom_pipeline_pending{topic,group}                   delivered, not yet acknowledged (gauge)
/// stockroom_pipeline_dead_letter_backlog{topic,group}       entries in the group's dead letters (gauge)
/// stockroom_pipeline_trimmed_total{topic}                   entries trimmed from topic streams
/// stockroom_pipeline_partition_unreadable{topic,group,partition}
///                                                           consumers of this process whose last attempt
///                                                           to read the partition failed (gauge; 0 = healthy)
/// ```
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
        acked = Counter(label: "stockroom_pipeline_handled_total", dimensions: base + [("result", "acked")], factory: factory)
        failed = Counter(label: "stockroom_pipeline_handled_total", dimensions: base + [("result", "failed")], factory: factory)
        poison = Counter(label: "stockroom_pipeline_handled_total", dimensions: base + [("result", "poison")], factory: factory)
        handlerDuration = Timer(
            label: "stockroom_pipeline_handler_duration_seconds",
            dimensions: base,
            preferredDisplayUnit: .seconds,
            factory: factory
        )
        reclaimed = Counter(label: "stockroom_pipeline_reclaimed_total", dimensions: base, factory: factory)
        redelivered = Counter(label: "stockroom_pipeline_redelivered_total", dimensions: base, factory: factory)
        deadLetteredPoison = Counter(
            label: "stockroom_pipeline_dead_letters_total", dimensions: base + [("reason", "poison")], factory: factory
        )
        deadLetteredMaxDeliveries = Counter(
            label: "stockroom_pipeline_dead_letters_total",
            dimensions: base + [("reason", "max-deliveries")],
            factory: factory
        )
        redisErrors = Counter(label: "stockroom_pipeline_redis_errors_total", dimensions: base, factory: factory)
    }

    /// Records how many of this process's consumers currently fail to read `partition`.
    func recordUnreadable(partition: Int, failingConsumers: Int) {
        Gauge(
            label: "stockroom_pipeline_partition_unreadable",
            dimensions: base + [("partition", String(partition))],
            factory: factory
        ).record(failingConsumers)
    }

    func deadLettered(reason: DeadLetterReason) -> Counter {
        reason == .poison ? deadLetteredPoison : deadLetteredMaxDeliveries
    }

    static func updateGauges(_ status: StreamStatus) {
        let dimensions = [("topic", status.subscription.topic.rawValue), ("group", status.subscription.group)]
        Gauge(label: "stockroom_pipeline_lag", dimensions: dimensions).record(status.lag + status.retryLag)
        Gauge(label: "stockroom_pipeline_pending", dimensions: dimensions).record(status.pending + status.retryPending)
        Gauge(label: "stockroom_pipeline_dead_letter_backlog", dimensions: dimensions).record(status.deadLetters)
    }

    static func trimmed(_ topic: Topic, _ count: Int) {
        guard count > 0 else { return }
        Counter(label: "stockroom_pipeline_trimmed_total", dimensions: [("topic", topic.rawValue)]).increment(by: count)
    }
}

/// Why an entry became a dead letter.
public enum DeadLetterReason: String, Sendable, Hashable {
    /// The handler threw `PoisonEntry`: no retry can help.
    case poison
    /// Redis counted `maxDeliveries` deliveries, failed or never finished.
    case maxDeliveries = "max-deliveries"
}
