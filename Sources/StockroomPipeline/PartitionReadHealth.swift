import NIOConcurrencyHelpers

/// Which partitions the consumers of one group in this process are failing to read: a partition
/// whose node is down or unreachable must show up in a metric, not only as retries in the log.
///
/// A consumer reports each attempt; a partition counts as unreadable while at least one consumer's
/// latest attempt on it failed. Every change is mirrored to the
/// `stockroom_pipeline_partition_unreadable{topic,group,partition}` gauge.
final class PartitionReadHealth: Sendable {
    private let metrics: PipelineMetrics
    /// Partition → the consumers whose latest attempt on it failed.
    private let failing = NIOLockedValueBox<[Int: Set<String>]>([:])

    init(metrics: PipelineMetrics) {
        self.metrics = metrics
    }

    /// Partitions that some consumer currently fails to read, in order.
    var unreadablePartitions: [Int] {
        failing.withLockedValue { $0.filter { !$0.value.isEmpty }.keys.sorted() }
    }

    /// Records a failed attempt; true when the partition was readable until now.
    @discardableResult
    func failed(partition: Int, consumer: String) -> Bool {
        update(partition) { $0.insert(consumer).inserted }
    }

    /// Records a successful attempt; true when the partition had been unreadable until now.
    @discardableResult
    func succeeded(partition: Int, consumer: String) -> Bool {
        update(partition) { $0.remove(consumer) != nil }
    }

    /// Applies `change` to the partition's failing set; on a change, updates the gauge and tells
    /// whether the partition's state (readable or not) flipped.
    private func update(_ partition: Int, _ change: (inout Set<String>) -> Bool) -> Bool {
        failing.withLockedValue { failing in
            var consumers = failing[partition] ?? []
            let before = consumers.count
            guard change(&consumers) else { return false }
            failing[partition] = consumers
            // Under the lock, so that two consumers' updates reach the gauge in the order they happened.
            metrics.recordUnreadable(partition: partition, failingConsumers: consumers.count)
            return (before == 0) != consumers.isEmpty
        }
    }
}
