import StockroomCore

/// Keys and field names the pipeline adds to ``KeySpace``'s.
///
/// ```
/// stockroom:{p3}:lasterror:<topic>:<group>   hash: per pending entry that failed, its failure record (JSON)
///                                            field "stream:<id>" (topic stream) or "retry:<id>" (retry stream)
///                                            value {"error","consumer","first_failed_at","last_failed_at",
///                                            "failures","deliveries"}; removed by the ack and dead-letter scripts
/// ```
///
/// Dead letters keep the original fields as they were and add context fields named `dlq.*`; entries
/// redriven into a retry stream keep the original fields and add `retry.*` fields. Stockroom's own
/// fields never start with `dlq.` or `retry.`.
extension KeySpace {
    /// Where `group`'s last handler error of each failed, still pending entry of `topic` is kept.
    public func lastErrorKey(_ topic: Topic, group: String, partition: Int) -> String {
        "\(tag(partition)):lasterror:\(topic.rawValue):\(group)"
    }
}

/// Which of a group's two kinds of streams an entry came from.
enum StreamKind: String, Sendable {
    /// A topic's partition stream, read by every group of the topic.
    case topic = "stream"
    /// The group's own retry stream, where redriven dead letters go.
    case retry = "retry"

    /// The entry's field in the last-error hash.
    func errorField(_ id: String) -> String { "\(rawValue):\(id)" }
}

/// One stream a consumer group reads, with what it needs to know about it.
struct GroupStream: Sendable, Hashable {
    var key: String
    var partition: Int
    var kind: StreamKind
    var lastErrorKey: String
    var deadLetterKey: String
}

extension KeySpace {
    /// Every stream `subscription`'s group reads: the topic's partition streams, then its retry streams.
    func groupStreams(_ subscription: Subscription) -> [GroupStream] {
        let topic = subscription.topic
        let group = subscription.group
        func make(_ partition: Int, _ kind: StreamKind) -> GroupStream {
            GroupStream(
                key: kind == .topic
                    ? stream(topic, partition: partition)
                    : retryStream(topic, group: group, partition: partition),
                partition: partition,
                kind: kind,
                lastErrorKey: lastErrorKey(topic, group: group, partition: partition),
                deadLetterKey: deadLetterStream(topic, group: group, partition: partition)
            )
        }
        return (0..<partitions).map { make($0, .topic) } + (0..<partitions).map { make($0, .retry) }
    }
}

/// Field names of dead letters (`dlq.*`) and of redriven entries (`retry.*`).
enum PipelineFields {
    static let deadLetterPrefix = "dlq."
    static let retryPrefix = "retry."
    static let retryOriginalID = "retry.original_id"
    static let retryOriginalStream = "retry.original_stream"
    static let retryDeadLetterID = "retry.dead_letter_id"
}
