import Metrics
import NIOCore
import StockroomCore
import StockroomRedis

/// Gathers the purchases that reach one event loop, from any of its connections, and decides each
/// partition's in one script call (at most `maximumBatch` at a time): one EVALSHA per batch instead of
/// one per purchase. A script call has a fixed cost in Redis, several purchases' worth, so the larger
/// the batches, the more purchases each Redis core decides.
///
/// It is group commit: while a partition has `maximumCallsInFlight` calls in flight, its purchases
/// wait for one to return and then go together. Under load the batches grow to what Redis can take;
/// a lone purchase goes at the end of its own loop turn, so batching adds no timer and no thread hop.
/// Every purchase is still answered on its own, as soon as its batch's script returns.
final class PurchaseBatcher {
    static let maximumBatch = 64
    /// Two keep Redis busy with one batch while the next one travels; more would only make batches
    /// smaller.
    static let maximumCallsInFlight = 2

    /// How a purchase hears its decision, or why it has none: a refusal, or a failed call.
    typealias Answer = (Result<PurchaseDecision, any Error>) -> Void

    private struct Waiting {
        var order: PurchaseOrder
        var answer: Answer
    }

    /// One partition's purchases on this loop.
    private struct Lane {
        var waiting: [Waiting] = []
        var callsInFlight = 0
    }

    private let store: SalesStore
    private let redis: RedisConnection
    private let batchSize: Recorder
    private var lanes: [Int: Lane] = [:]
    private var flushScheduled = false

    init(store: SalesStore, redis: RedisConnection, batchSize: Recorder) {
        self.store = store
        self.redis = redis
        self.batchSize = batchSize
    }

    /// Queues `order` for the next batch of its partition; `answer` runs on the loop. A callback, not a
    /// future: a purchase is the server's busiest path, and each future costs allocations.
    func purchase(_ order: PurchaseOrder, answer: @escaping Answer) {
        let loop = redis.eventLoop
        loop.preconditionInEventLoop()
        do {
            try store.validate(order)
        } catch {
            answer(.failure(error))
            return
        }
        lanes[store.keys.partition(of: order.sku), default: Lane()].waiting.append(Waiting(order: order, answer: answer))
        if !flushScheduled {
            flushScheduled = true
            loop.assumeIsolated().execute { [self] in
                flushScheduled = false
                for partition in lanes.keys { send(partition) }
            }
        }
    }

    /// Sends `partition`'s waiting purchases, as many batches as its free call slots allow.
    private func send(_ partition: Int) {
        // The lane is read afresh each round: a call that fails at once completes inside `purchases`.
        while let lane = lanes[partition], !lane.waiting.isEmpty, lane.callsInFlight < Self.maximumCallsInFlight {
            let batch = Array(lane.waiting.prefix(Self.maximumBatch))
            lanes[partition]?.waiting.removeFirst(batch.count)
            lanes[partition]?.callsInFlight += 1
            batchSize.record(batch.count)
            store.purchases(batch.map(\.order), partition: partition, on: redis).assumeIsolated().whenComplete { [self] result in
                answer(batch, with: result)
                lanes[partition]?.callsInFlight -= 1
                send(partition)
            }
        }
    }

    private func answer(_ batch: [Waiting], with result: Result<[Result<PurchaseDecision, SalesError>], any Error>) {
        switch result {
        case .success(let decisions):
            for (waiting, decision) in zip(batch, decisions) {
                waiting.answer(decision.mapError { $0 })
            }
        case .failure(let error):
            // The call failed as a whole: no purchase of it knows its outcome.
            for waiting in batch { waiting.answer(.failure(error)) }
        }
    }
}
