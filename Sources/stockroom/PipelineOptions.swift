import ArgumentParser
import Foundation
import StockroomApp
import StockroomCommandLine
import StockroomCore
import StockroomPipeline
import StockroomRedis

extension WorkerRole: ExpressibleByArgument {}
extension Durability: ExpressibleByArgument {}

/// The options of the event workers, shared by `stockroom worker` and `stockroom serve --workers`.
struct WorkerOptions: ParsableArguments {
    private static let defaults = StockroomConfiguration()

    @Option(help: "The legacy Factory API's base URL (default: \(defaults.factory.baseURL)).") var factoryURL: String?
    @Option(help: "Where the factory calls back (default: the side port's /arrival, else \(defaults.factory.callbackURL)).")
    var callbackURL: String?
    @Option(help: "Seconds an entry may go unacknowledged before another consumer retries it (default: \(defaults.groups.visibilityTimeout.secondsText)).")
    var visibilityTimeout: Double?
    @Option(help: "Deliveries after which a failing entry becomes a dead letter (default: \(defaults.groups.maxDeliveries)).")
    var maxDeliveries: Int?
    @Option(help: "Consumers per group in this process (default: \(defaults.groups.consumers)).") var consumers: Int?
    @Option(help: "Calls to the factory in flight at once (default: \(defaults.factory.maxConcurrentCalls)).")
    var factoryConcurrency: Int?
    @Option(help: "Calls to the factory per second (default: \(defaults.factory.maxCallsPerSecond)).") var factoryRate: Double?
    @Option(help: "Seconds one factory call may take before it counts as failed (default: \(defaults.factory.requestTimeout.secondsText)).")
    var factoryTimeout: Double?
    @Option(help: "Seconds between sweeps: dead letters, trimming, gauges (default: \(defaults.sweepInterval.secondsText)).")
    var sweepInterval: Double?
    @Option(help: "Seconds the factory gets to deliver an order before it is asked again (default: \(defaults.factory.orderDeadline.secondsText)).")
    var orderDeadline: Double?
    @Option(help: "Factory calls per order at most; then the order expires and the SKU may order again (default: \(defaults.factory.orderAttempts)).")
    var orderAttempts: Int?

    func validateWorkerOptions() throws {
        let positives = [visibilityTimeout, factoryRate, factoryTimeout, sweepInterval, orderDeadline].compactMap { $0 }
        let counts = [maxDeliveries, consumers, factoryConcurrency, orderAttempts].compactMap { $0 }
        guard positives.allSatisfy({ $0 > 0 }), counts.allSatisfy({ $0 >= 1 }) else {
            throw ValidationError("worker timeouts, counts and rates must be positive")
        }
    }

    /// Writes the options that were given into `configuration`; the others keep its defaults.
    func apply(to configuration: inout StockroomConfiguration) {
        if let factoryURL { configuration.factory.baseURL = factoryURL }
        if let callbackURL { configuration.callbackURL = callbackURL }
        if let visibilityTimeout { configuration.groups.visibilityTimeout = .seconds(visibilityTimeout) }
        if let maxDeliveries { configuration.groups.maxDeliveries = maxDeliveries }
        if let consumers { configuration.groups.consumers = consumers }
        if let factoryConcurrency { configuration.factory.maxConcurrentCalls = factoryConcurrency }
        if let factoryRate { configuration.factory.maxCallsPerSecond = factoryRate }
        if let factoryTimeout { configuration.factory.requestTimeout = .seconds(factoryTimeout) }
        if let sweepInterval { configuration.sweepInterval = .seconds(sweepInterval) }
        if let orderDeadline { configuration.factory.orderDeadline = .seconds(orderDeadline) }
        if let orderAttempts { configuration.factory.orderAttempts = orderAttempts }
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
