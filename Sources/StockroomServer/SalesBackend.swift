import NIOCore
import StockroomCore
import StockroomRedis
import StockroomWire

/// Runs protocol requests against the sales store on one event loop's Redis connection; purchases go
/// through the loop's ``PurchaseBatcher``. One per event loop (``SalesBackends``), shared by the
/// loop's connections.
///
/// It translates between the wire's types and the domain's, and turns every failure into an ERROR
/// response: every request gets exactly one answer.
final class SalesBackend: Sendable {
    let store: SalesStore
    let redis: RedisConnection
    let purchases: NIOLoopBound<PurchaseBatcher>
    let metrics: SalesMetrics

    init(store: SalesStore, redis: RedisConnection, purchases: NIOLoopBound<PurchaseBatcher>, metrics: SalesMetrics) {
        self.store = store
        self.redis = redis
        self.purchases = purchases
        self.metrics = metrics
    }

    /// Answers `request` on the loop, through `respond`; a stock change is recorded as `actor`'s.
    func execute(_ request: Request, actor: String, respond: @escaping (Response) -> Void) {
        let answer: EventLoopFuture<Response>
        switch request {
        case .purchase(let purchase):
            let order = PurchaseOrder(
                sku: purchase.sku,
                quantity: Int(purchase.quantity),
                purchaseID: purchase.purchaseID,
                customer: purchase.customer
            )
            let started = NIODeadline.now()
            purchases.value.purchase(order) { [metrics] result in
                switch result {
                case .success(let decision):
                    metrics.record(decision, startedAt: started)
                    respond(.purchaseResult(PurchaseResult(decision)))
                case .failure(let error):
                    metrics.recordFailure()
                    respond(.error(WireError(salesError: error)))
                }
            }
            return
        case .stockGet(let sku):
            answer = store.stockLevel(of: sku, on: redis).map { .stockInfo(StockInfo($0)) }
        case .stockSet(let update):
            let change = StockUpdate(
                sku: update.sku,
                stock: Int(update.stock),
                reorderPoint: update.reorderPoint.map(Int.init),
                reorderQuantity: update.reorderQuantity.map(Int.init)
            )
            answer = store.setStock(change, actor: actor, on: redis).map { .stockInfo(StockInfo($0)) }
        case .stockAdjust(let adjust):
            // Beyond Int's range only on a 32-bit platform; the store's range check refuses it there too.
            let delta = Int(exactly: adjust.delta) ?? .max
            answer = store.adjustStock(of: adjust.sku, by: delta, actor: actor, on: redis).map { .stockInfo(StockInfo($0)) }
        case .hello, .auth, .ping:
            preconditionFailure("the connection state machine answers \(request.opcode) itself")
        }
        answer.recover { error in .error(WireError(salesError: error)) }.assumeIsolated().whenSuccess(respond)
    }
}

extension PurchaseResult {
    init(_ decision: PurchaseDecision) {
        let outcome: PurchaseOutcome
        switch decision.outcome {
        case .sold: outcome = .sold
        case .outOfStock: outcome = .outOfStock
        }
        self.init(outcome: outcome, isReplay: decision.isReplay, stock: Int64(decision.stock))
    }
}

extension StockInfo {
    init(_ level: StockLevel) {
        self.init(
            sku: level.sku,
            stock: Int64(level.stock),
            reorderPoint: Int64(level.reorderPoint),
            reorderQuantity: Int64(level.reorderQuantity),
            openOrder: level.openOrder
        )
    }
}

extension WireError {
    init(salesError error: any Error) {
        guard let salesError = error as? SalesError else {
            self.init(.internalError, "\(error)")
            return
        }
        let code: ErrorCode
        switch salesError.code {
        case .unknownSKU: code = .unknownSKU
        case .invalidArgument: code = .invalidArgument
        case .backendUnavailable: code = .backendUnavailable
        default: code = .internalError
        }
        self.init(code, salesError.message)
    }
}
