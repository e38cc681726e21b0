import StockroomRedis

/// Reads each partition in turn, tolerating a shard that does not answer: an operator's page shows
/// what the other partitions hold and names the missing ones, instead of failing whole.
public enum PartitionReads {
    /// `read` of every partition in `partitions` that answered, and those whose node was unavailable.
    /// Throws when none answered: then Redis itself is down, and there is nothing to show.
    public static func each<Value: Sendable>(
        _ partitions: [Int],
        _ read: (Int) async throws -> Value
    ) async throws -> (values: [(partition: Int, value: Value)], unreachable: [Int]) {
        var values: [(partition: Int, value: Value)] = []
        var unreachable: [Int] = []
        var lastFailure: RedisError?
        for partition in partitions {
            do {
                values.append((partition, try await read(partition)))
            } catch let error as RedisError where error.isUnavailable {
                unreachable.append(partition)
                lastFailure = error
            }
        }
        if let lastFailure, values.isEmpty { throw lastFailure }
        return (values, unreachable)
    }
}
