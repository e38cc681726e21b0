import StockroomRedis

/// The hash tags of a key space's partitions: what decides which Redis Cluster slot, and so which
/// master, holds each partition.
///
/// - `numbered`: `p0`, `p1`, … Data created before the tags were spread keeps them. Their slots fall
///   where CRC16 puts them: 4 partitions land 1/1/2 on 3 masters, 16 land 4/5/7.
/// - `spread`: `p<i>-<k>`, with the smallest `k` whose slot lies in the middle half of the `i`-th of
///   `partitions` equal slot ranges. A cluster created with `redis-cli --cluster create` splits the
///   slots into equal ranges too, so P partitions land P/M on each of M masters whenever M divides P
///   (12 partitions: 4/4/4 on 3 masters, 2 each on 6), and within one of that otherwise. The middle
///   half keeps a tag away from the masters' rounded boundaries.
public enum PartitionTags: String, Sendable, Hashable {
    case numbered
    case spread

    /// The tag of each partition, in order.
    func names(partitions: Int) -> [String] {
        switch self {
        case .numbered:
            return (0..<partitions).map { "p\($0)" }
        case .spread:
            return (0..<partitions).map { Self.spreadName(partition: $0, of: partitions) }
        }
    }

    /// The most partitions a key space may have: finding a tag in a range of 16 slots takes about
    /// 2,000 tries, so 1,024 spread tags take a fraction of a second to work out.
    public static let maximumPartitions = 1024

    static func spreadName(partition: Int, of partitions: Int) -> String {
        precondition((1...maximumPartitions).contains(partitions), "at most \(maximumPartitions) partitions")
        let width = Double(HashSlot.count) / Double(partitions)
        let start = Double(partition) * width
        let middle = (start + width / 4)..<(start + width * 3 / 4)
        var suffix = 0
        while true {
            let name = "p\(partition)-\(suffix)"
            if middle.contains(Double(HashSlot.of(key: "{\(name)}"))) { return name }
            suffix += 1
        }
    }
}
