import StockroomRedis

/// Redis's own CPU time, from `INFO cpu` (`used_cpu_user` + `used_cpu_sys` of the server process, not
/// of its forks), read before and after a run. Per request, it is what the budget calls
/// purchases per Redis core: on a machine whose cores Redis shares with the server and the harness,
/// throughput alone says as much about them as about Redis.
///
/// On a Redis Cluster it is the sum over the masters (replicas, which only apply what their masters
/// send them, are not counted): each purchase runs on exactly one master, so per request it is what
/// a purchase costs the master that serves it.
public struct RedisCPU: Sendable {
    let connection: RedisConnection

    public init(connection: RedisConnection) {
        self.connection = connection
    }

    /// Seconds of CPU Redis (every master of a cluster) has used since it started.
    public func seconds() async throws -> Double {
        var total = 0.0
        for reply in try await connection.sendToEveryMaster(["INFO", "cpu"]).get() {
            total += try Self.seconds(fromInfo: try reply.result.get().string ?? "")
        }
        return total
    }

    /// The sum of `used_cpu_user` and `used_cpu_sys` in the text of `INFO cpu`.
    static func seconds(fromInfo info: String) throws -> Double {
        var fields: [Substring: Double] = [:]
        for line in info.split(whereSeparator: \.isNewline) {
            let parts = line.split(separator: ":", maxSplits: 1)
            if parts.count == 2, let value = Double(parts[1]) { fields[parts[0]] = value }
        }
        guard let user = fields["used_cpu_user"], let system = fields["used_cpu_sys"] else {
            throw BenchError("INFO cpu has no used_cpu_user and used_cpu_sys")
        }
        return user + system
    }
}
