/// How an operator's summary says that some partitions' nodes did not answer (a Redis Cluster
/// master down or failing over): the sums it shows leave those partitions out.
public enum UnreachablePartitions {
    /// `""` when none, else ` (partial: partitions 3,7 unreachable)`.
    public static func note(_ partitions: [Int]) -> String {
        guard !partitions.isEmpty else { return "" }
        return " (partial: partitions \(partitions.map(String.init).joined(separator: ",")) unreachable)"
    }
}
