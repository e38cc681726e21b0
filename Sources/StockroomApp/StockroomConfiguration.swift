import NIOCore
import StockroomCore
import StockroomFactory
import StockroomPipeline
import StockroomServer
import StockroomSidePort

/// Everything one Stockroom process can be told. Each default is written once, here or in the
/// module configuration it holds; the CLI only parses flags into this value.
public struct StockroomConfiguration: Sendable {
    /// The Redis to use; nil starts an embedded `redis-server` on a free loopback port, with its data
    /// in `dataDirectory`, and stops it afterwards.
    public var redisURL: String?
    public var dataDirectory = ".stockroom"
    /// When the embedded Redis forces a sale to disk (see ``Durability``). An external Redis keeps its
    /// own settings; the process reads them and warns when acknowledged sales could be lost.
    public var durability: Durability = .always
    /// Event loops; each has its own pipelined Redis connection for the sales path.
    public var threads = System.coreCount
    /// The sales rules; `sales.partitions` applies only when this process creates the data.
    public var sales = SalesConfiguration()
    /// The binary-protocol server; nil runs none (a worker process). A process with a server
    /// creates the data (records the partition count); one without needs existing data.
    public var server: ServerConfiguration? = ServerConfiguration()
    /// The HTTP side port (factory callbacks, /healthz, /metrics); nil runs none.
    public var sidePort: SidePortConfiguration?
    /// Lets anyone read the side port's /metrics although the server requires credentials.
    public var metricsOpen = false
    public var workers: WorkerRole = .none
    public var groups = WorkerGroupSettings()
    /// The legacy factory and how hard the factory group may push it. Its `callbackURL` is
    /// replaced by ``callbackURL`` when that is set, else by the side port's `/arrival` when one runs.
    public var factory = FactoryConfiguration()
    public var callbackURL: String?
    /// How often the sweeper dead-letters abandoned entries, trims streams and updates gauges.
    public var sweepInterval = Sweeper.defaultInterval

    public init() {}

    /// Where the factory calls back: the explicit URL, else the side port's, else the factory default.
    public var resolvedCallbackURL: String {
        callbackURL ?? sidePort?.arrivalURL ?? factory.callbackURL
    }
}

/// How every consumer group of this process runs (see ``ConsumerGroupConfiguration``).
public struct WorkerGroupSettings: Sendable {
    private static let defaults = ConsumerGroupConfiguration(subscription: .factory)

    /// Consumers per group in this process.
    public var consumers = defaults.consumers
    /// An entry unacknowledged for this long is retried by another consumer.
    public var visibilityTimeout = defaults.visibilityTimeout
    /// Deliveries after which a failing entry becomes a dead letter.
    public var maxDeliveries = defaults.maxDeliveries

    public init() {}

    public func configuration(_ subscription: Subscription) -> ConsumerGroupConfiguration {
        ConsumerGroupConfiguration(
            subscription: subscription,
            consumers: consumers,
            visibilityTimeout: visibilityTimeout,
            maxDeliveries: maxDeliveries
        )
    }
}
