import ArgumentParser
import Foundation
import StockroomCore
import StockroomPipeline
import StockroomRedis

/// Which workers a process runs.
enum WorkerRole: String, CaseIterable, ExpressibleByArgument {
    case factory, warehouse, ops, sweeper, all, none

    /// The consumer groups this role runs (the sweeper runs none of its own).
    var subscriptions: [Subscription] {
        switch self {
        case .factory: [.factory]
        case .warehouse: [.warehouse]
        case .ops: [.opsSales, .opsStockEmpty]
        case .sweeper, .none: []
        case .all: Subscription.all
        }
    }

    var runsSweeper: Bool { self == .sweeper || self == .all }
}

/// The options of the event workers, shared by `stockroom worker` and `stockroom serve --workers`.
struct WorkerOptions: ParsableArguments {
    @Option(help: "The legacy Factory API's base URL.") var factoryURL = "http://127.0.0.1:7490"
    @Option(help: "Where the factory calls back (default: the side port's /arrival, else http://127.0.0.1:7480/arrival).")
    var callbackURL: String?
    @Option(help: "Seconds an entry may go unacknowledged before another consumer retries it.") var visibilityTimeout = 30.0
    @Option(help: "Deliveries after which a failing entry becomes a dead letter.") var maxDeliveries = 5
    @Option(help: "Consumers per group in this process.") var consumers = 2
    @Option(help: "Calls to the factory in flight at once.") var factoryConcurrency = 4
    @Option(help: "Calls to the factory per second.") var factoryRate = 10.0
    @Option(help: "Seconds one factory call may take before it counts as failed.") var factoryTimeout = 10.0
    @Option(help: "Seconds between sweeps (dead letters, trimming, gauges).") var sweepInterval = 30.0

    func validateWorkerOptions() throws {
        guard visibilityTimeout > 0, maxDeliveries >= 1, consumers >= 1, factoryConcurrency >= 1, factoryRate > 0,
            factoryTimeout > 0, sweepInterval > 0
        else {
            throw ValidationError("worker timeouts, counts and rates must be positive")
        }
    }

    func groupConfiguration(_ subscription: Subscription) -> ConsumerGroupConfiguration {
        ConsumerGroupConfiguration(
            subscription: subscription,
            consumers: consumers,
            visibilityTimeout: .seconds(visibilityTimeout),
            maxDeliveries: maxDeliveries
        )
    }
}

/// `--redis URL` for the operator commands, defaulting to $STOCKROOM_REDIS.
struct RedisOptions: ParsableArguments {
    @Option(help: "Redis URL redis://[user:pass@]host:port[/db] (default: $STOCKROOM_REDIS).") var redis: String?

    func url() throws -> String {
        guard let url = redis ?? ProcessInfo.processInfo.environment["STOCKROOM_REDIS"] else {
            throw ValidationError("no Redis: pass --redis URL or set STOCKROOM_REDIS")
        }
        return url
    }
}

extension KeySpace {
    /// The key space of existing data: its partition count as recorded in Redis.
    static func recorded(on redis: RedisConnection) async throws -> KeySpace {
        let countKey = KeySpace(partitions: 1).partitionCountKey
        guard let count = try await redis.send(["GET", countKey]).get().int, count >= 1 else {
            throw ValidationError("no Stockroom data in this Redis (\(countKey) is missing): start `stockroom serve` on it first")
        }
        return KeySpace(partitions: Int(count))
    }
}

extension Subscription {
    /// `topic/group`, or a group name that only one subscription has (`factory`, `warehouse`).
    static func parse(_ text: String) throws -> Subscription {
        let matches = Subscription.all.filter { "\($0)" == text || $0.group == text }
        guard matches.count == 1, let match = matches.first else {
            let names = Subscription.all.map { "\($0)" }.joined(separator: ", ")
            throw ValidationError(matches.isEmpty
                ? "unknown group \"\(text)\": one of \(names)"
                : "\"\(text)\" names several groups: say which, one of \(names)")
        }
        return match
    }
}
