import Metrics
import NIOConcurrencyHelpers
import NIOCore
import StockroomCore

/// One ``SalesBackend`` per event loop, with its ``PurchaseBatcher``, made on first use by a
/// connection of that loop. A connection holds a reference to its loop's backend: a copy of its own
/// (store, metrics, Redis connection) cost every open connection about 200 bytes.
final class SalesBackends: Sendable {
    private let store: SalesStore
    private let redis: RedisConnectionsByLoop
    private let metrics = SalesMetrics()
    private let batchSize = Recorder(label: ServerMetricFamilies.purchaseBatchSize.name)
    private let backends = NIOLockedValueBox([ObjectIdentifier: SalesBackend]())

    init(store: SalesStore, redis: RedisConnectionsByLoop) {
        self.store = store
        self.redis = redis
    }

    /// The backend of `loop`; use it on `loop`.
    func backend(for loop: any EventLoop) -> SalesBackend {
        backends.withLockedValue { backends in
            if let backend = backends[ObjectIdentifier(loop)] { return backend }
            let connection = redis.connection(for: loop)
            let batcher = NIOLoopBound(PurchaseBatcher(store: store, redis: connection, batchSize: batchSize), eventLoop: loop)
            let backend = SalesBackend(store: store, redis: connection, purchases: batcher, metrics: metrics)
            backends[ObjectIdentifier(loop)] = backend
            return backend
        }
    }
}
