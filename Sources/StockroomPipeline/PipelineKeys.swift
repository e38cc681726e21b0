import StockroomCore

// The runtime's view of the key space: which streams a group reads. Every key name itself comes
// from `KeySpace` (StockroomCore).
//
// Dead letters keep the original fields as they were and add context fields named `dlq.*`; entries
// redriven into a retry stream keep the original fields and add `retry.*` fields. Stockroom's own
// fields never start with `dlq.` or `retry.`.

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
    var topic: Topic
    var partition: Int
    var kind: StreamKind
    var lastErrorKey: String
    var deadLetterKey: String
    /// The key prefix of `partition` (`stockroom:{pN}`), for ``DeadLetterEffects``.
    var partitionTag: String
}

extension GroupStream {
    /// How a handler's script acknowledges entry `id` of this stream for `group`, as the ack script does.
    func acknowledgement(of id: String, group: String) -> StreamAcknowledgement {
        StreamAcknowledgement(stream: key, group: group, entryID: id, lastErrorKey: lastErrorKey, errorField: kind.errorField(id))
    }
}

extension StreamAcknowledgement {
    /// The acknowledgement of entry `id` of `subscription`'s topic stream in `partition`, as the
    /// runtime would hand it over (for tools and tests that read a group by hand).
    public static func topicEntry(_ id: String, of subscription: Subscription, partition: Int, keys: KeySpace) -> StreamAcknowledgement {
        let stream = keys.groupStreams(subscription).first { $0.kind == .topic && $0.partition == partition }!
        return stream.acknowledgement(of: id, group: subscription.group)
    }
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
                topic: topic,
                partition: partition,
                kind: kind,
                lastErrorKey: lastErrorKey(topic, group: group, partition: partition),
                deadLetterKey: deadLetterStream(topic, group: group, partition: partition),
                partitionTag: tag(partition)
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
