import Metrics
import NIOCore
import StockroomCore
import StockroomWire

/// The sales path's metrics: purchases by result, the purchase script's latency, events appended.
///
/// Created once per server and shared by its connections; swift-metrics handlers are thread-safe.
struct SalesMetrics: Sendable {
    private let sold = Counter(label: ServerMetricFamilies.purchases.name, dimensions: [("result", "sold")])
    private let outOfStock = Counter(label: ServerMetricFamilies.purchases.name, dimensions: [("result", "out_of_stock")])
    private let replayed = Counter(label: ServerMetricFamilies.purchases.name, dimensions: [("result", "replay")])
    private let failed = Counter(label: ServerMetricFamilies.purchases.name, dimensions: [("result", "error")])
    private let scriptLatency = Metrics.Timer(label: ServerMetricFamilies.purchaseScriptDuration.name)
    private let salesEvents = Counter(label: ServerMetricFamilies.eventsAppended.name, dimensions: [("topic", Topic.sales.rawValue)])
    private let stockEmptyEvents = Counter(
        label: ServerMetricFamilies.eventsAppended.name, dimensions: [("topic", Topic.stockEmpty.rawValue)]
    )

    func record(_ decision: PurchaseDecision, startedAt start: NIODeadline) {
        scriptLatency.recordNanoseconds((NIODeadline.now() - start).nanoseconds)
        if decision.isReplay {
            replayed.increment()
            return
        }
        switch decision.outcome {
        case .sold:
            sold.increment()
            salesEvents.increment()
        case .outOfStock:
            outOfStock.increment()
        }
        if decision.openedFactoryOrder { stockEmptyEvents.increment() }
    }

    func recordFailure() {
        failed.increment()
    }
}

/// The server's metric families (see ``MetricFamily``).
public enum ServerMetricFamilies {
    static let purchases = MetricFamily(
        "stockroom_purchases_total", help: "Purchases answered, by result: sold, out_of_stock, replay (an earlier answer again), error."
    )
    static let purchaseScriptDuration = MetricFamily(
        "stockroom_purchase_script_duration_seconds", help: "Time from a purchase's hand-off to its batcher to the script's answer, the wait for its batch included."
    )
    static let purchaseBatchSize = MetricFamily(
        "stockroom_purchase_batch_size", help: "Purchases decided by one call of the purchase script (group commit)."
    )
    static let eventsAppended = MetricFamily(
        "stockroom_events_appended_total", help: "Events the purchase script appended, by topic: sales, stock-empty."
    )
    static let connectionsOpen = MetricFamily("stockroom_connections_open", help: "Client connections open now.")
    static let connectionsRefused = MetricFamily(
        "stockroom_connections_refused_total", help: "Client connections refused, by reason (max_connections)."
    )
    static let authentications = MetricFamily(
        "stockroom_auth_total", help: "AUTH attempts, by result: ok_<role>, wrong_token, throttled."
    )

    public static let all = [
        purchases, purchaseScriptDuration, purchaseBatchSize, eventsAppended, connectionsOpen, connectionsRefused, authentications,
    ]
}
