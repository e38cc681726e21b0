import Metrics
import NIOConcurrencyHelpers
import NIOCore
import StockroomCore
import StockroomRedis

/// Gathers the purchases that reach one event loop in the same turn, from any of its connections, and
/// decides each partition's in one script call (at most `maximumBatch` at a time): one EVALSHA per
/// partition and turn instead of one per purchase, which is most of Redis's cost of a purchase.
///
/// Every purchase is still answered on its own, as soon as its batch's script returns. The flush runs
/// as a task of the same loop after the turn's reads, so batching costs no thread hop and no timer: a
/// lone purchase is sent at the end of its own turn.
final class PurchaseBatcher {
    static let maximumBatch = 64

    private struct Waiting {
        var order: PurchaseOrder
        var promise: EventLoopPromise<PurchaseDecision>
    }

    private let store: SalesStore
    private let redis: RedisConnection
    private let batchSize: Recorder
    private var waiting: [Int: [Waiting]] = [:]
    private var flushScheduled = false

    init(store: SalesStore, redis: RedisConnection, batchSize: Recorder) {
        self.store = store
        self.redis = redis
        self.batchSize = batchSize
    }

    /// Queues `order` for this turn's batch of its partition; the future completes on the loop.
    func purchase(_ order: PurchaseOrder) -> EventLoopFuture<PurchaseDecision> {
        let loop = redis.eventLoop
        loop.preconditionInEventLoop()
        do {
            try store.validate(order)
        } catch {
            return loop.makeFailedFuture(error)
        }
        let promise = loop.makePromise(of: PurchaseDecision.self)
        waiting[store.keys.partition(of: order.sku), default: []].append(Waiting(order: order, promise: promise))
        if !flushScheduled {
            flushScheduled = true
            loop.assumeIsolated().execute { [self] in flush() }
        }
        return promise.futureResult
    }

    private func flush() {
        flushScheduled = false
        let batches = waiting
        waiting = [:]
        for (partition, queued) in batches {
            for start in stride(from: 0, to: queued.count, by: Self.maximumBatch) {
                let batch = Array(queued[start..<min(start + Self.maximumBatch, queued.count)])
                batchSize.record(batch.count)
                store.purchases(batch.map(\.order), partition: partition, on: redis).assumeIsolated().whenComplete { result in
                    switch result {
                    case .success(let decisions):
                        for (waiting, decision) in zip(batch, decisions) {
                            switch decision {
                            case .success(let value): waiting.promise.succeed(value)
                            case .failure(let refusal): waiting.promise.fail(refusal)
                            }
                        }
                    case .failure(let error):
                        // The call failed as a whole: no purchase of it knows its outcome.
                        for waiting in batch { waiting.promise.fail(error) }
                    }
                }
            }
        }
    }
}

/// One ``PurchaseBatcher`` per event loop, made on first use by a connection of that loop.
final class PurchaseBatchers: Sendable {
    private let store: SalesStore
    private let redis: RedisConnectionsByLoop
    private let batchSize = Recorder(label: "stockroom_purchase_batch_size")
    private let batchers = NIOLockedValueBox([ObjectIdentifier: NIOLoopBound<PurchaseBatcher>]())

    init(store: SalesStore, redis: RedisConnectionsByLoop) {
        self.store = store
        self.redis = redis
    }

    /// The batcher of `loop`; call it on `loop`.
    func batcher(for loop: any EventLoop) -> NIOLoopBound<PurchaseBatcher> {
        batchers.withLockedValue { batchers in
            if let batcher = batchers[ObjectIdentifier(loop)] { return batcher }
            let batcher = NIOLoopBound(
                PurchaseBatcher(store: store, redis: redis.connection(for: loop), batchSize: batchSize), eventLoop: loop
            )
            batchers[ObjectIdentifier(loop)] = batcher
            return batcher
        }
    }
}
