
/// One subscriber of a topic: a Redis consumer group on each of the topic's partition streams.
///
/// The groups are part of the data's layout, so the data model names them: trimming keeps what any
/// of them still needs, and their names appear in keys (`retry:<topic>:<group>`, `dlq:…`). The
/// consumer-group runtime runs whichever it is given.
///
/// Like SNS feeding several SQS queues, every group sees every entry of its topic, and each group
/// keeps its own progress, pending entries, retries and dead letters.
public struct Subscription: Sendable, Hashable, CustomStringConvertible {
    public var topic: Topic
    public var group: String

    public init(topic: Topic, group: String) {
        self.topic = topic
        self.group = group
    }

    /// Orders stock from the legacy factory when a SKU runs out.
    public static let factory = Subscription(topic: .stockEmpty, group: "factory")
    /// Raises stock when the factory delivers.
    public static let warehouse = Subscription(topic: .stockArrival, group: "warehouse")
    /// The operations team's view of every sale.
    public static let opsSales = Subscription(topic: .sales, group: "ops")
    /// The operations team's view of every stock-out.
    public static let opsStockEmpty = Subscription(topic: .stockEmpty, group: "ops")

    /// Every subscription Stockroom runs; their groups are created at start-up.
    public static let all: [Subscription] = [.factory, .warehouse, .opsSales, .opsStockEmpty]

    public var description: String { "\(topic.rawValue)/\(group)" }
}
