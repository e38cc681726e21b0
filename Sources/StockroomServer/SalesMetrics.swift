import Metrics
import NIOCore
import StockroomCore
import StockroomWire

/// The sales path's metrics: purchases by result, the purchase script's latency, events appended.
///
/// Created once per server and shared by its connections; swift-metrics handlers are thread-safe.
struct SalesMetrics: Sendable {
    private let sold = Counter(label: "stockroom_purchases_total", dimensions: [("result", "sold")])
    private let outOfStock = Counter(label: "stockroom_purchases_total", dimensions: [("result", "out_of_stock")])
    private let replayed = Counter(label: "stockroom_purchases_total", dimensions: [("result", "replay")])
    private let failed = Counter(label: "stockroom_purchases_total", dimensions: [("result", "error")])
    private let scriptLatency = Metrics.Timer(label: "stockroom_purchase_script_duration")
    private let salesEvents = Counter(label: "stockroom_events_appended_total", dimensions: [("topic", Topic.sales.rawValue)])
    private let stockEmptyEvents = Counter(
        label: "stockroom_events_appended_total", dimensions: [("topic", Topic.stockEmpty.rawValue)]
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
