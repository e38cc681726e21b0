import Foundation
import StockroomRedis

/// The factory orders at a glance, for `stockroom status`: how many wait for a delivery, how many of
/// those are past their deadline, and how many orders took each transition since the data was created.
public struct FactoryOrderSummary: Sendable, Hashable {
    /// The transitions, in lifecycle order, as the order scripts count them.
    public static let transitionNames = [
        "opened", "requested", "requested_again", "delivered", "expired", "cancelled", "failed", "reopened",
    ]

    /// Open or requested orders (each has a deadline).
    public var waiting: Int
    /// Waiting orders whose deadline passed: the watchdog's next pass requests or expires them. Many,
    /// or the same ones for long, means no factory worker is running.
    public var overdue: Int
    /// Transition name → count, summed over the partitions.
    public var transitions: [String: Int]
    /// Partitions whose node could not be read (down, or failing over): the sums leave them out.
    public var unreachablePartitions: [Int] = []

    /// Reads the due sets and transition counters of every partition: a few commands per partition,
    /// however many orders there are.
    public static func read(keys: KeySpace, redis: RedisConnection) async throws -> FactoryOrderSummary {
        var summary = FactoryOrderSummary(waiting: 0, overdue: 0, transitions: [:])
        let now = String(Int64(Date().timeIntervalSince1970 * 1000))
        for partition in 0..<keys.partitions {
            let due = keys.ordersDueKey(partition: partition)
            do {
                let waiting = Int(try await redis.send(["ZCARD", due]).get().int ?? 0)
                let overdue = Int(try await redis.send(["ZCOUNT", due, "-inf", "(" + now]).get().int ?? 0)
                let counts = try await redis.send(["HGETALL", keys.orderTransitionsKey(partition: partition)]).get().fieldDictionary()
                summary.waiting += waiting
                summary.overdue += overdue
                for (name, count) in counts {
                    summary.transitions[name, default: 0] += Int(count) ?? 0
                }
            } catch let error as RedisError where error.isUnavailable {
                summary.unreachablePartitions.append(partition)
            }
        }
        return summary
    }
}

extension FactoryOrderSummary: CustomStringConvertible {
    /// `orders waiting=2 overdue=0 opened=5 requested=5 … reopened=0`: one line, every name always there.
    public var description: String {
        let counts = Self.transitionNames.map { "\($0)=\(transitions[$0] ?? 0)" }
        var line = (["orders waiting=\(waiting) overdue=\(overdue)"] + counts).joined(separator: " ")
        line += UnreachablePartitions.note(unreachablePartitions)
        return line
    }
}
