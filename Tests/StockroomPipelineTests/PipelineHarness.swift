import Foundation
import Logging
import Metrics
import NIOCore
import ServiceLifecycle
import StockroomCore
import StockroomPipeline
import StockroomRedis
import TestSupport
import XCTest

/// Every delivery a test handler saw, by group.
actor Journal {
    private(set) var deliveries: [(group: String, entry: StreamEntry)] = []

    func record(_ group: String, _ entry: StreamEntry) {
        deliveries.append((group, entry))
    }

    func entries(of group: String) -> [StreamEntry] {
        deliveries.filter { $0.group == group }.map(\.entry)
    }

    /// How many times each original entry reached `group`.
    func counts(of group: String) -> [String: Int] {
        var counts: [String: Int] = [:]
        for entry in entries(of: group) { counts[entry.originalStream + "/" + entry.originalID, default: 0] += 1 }
        return counts
    }
}

/// A handler made of a closure; it records every call in the journal first.
struct TestHandler: EntryHandler {
    let group: String
    let journal: Journal
    let body: @Sendable (StreamEntry, any ClaimHeartbeat) async throws -> Void

    init(
        _ group: String,
        _ journal: Journal,
        body: @escaping @Sendable (StreamEntry, any ClaimHeartbeat) async throws -> Void = { _, _ in }
    ) {
        self.group = group
        self.journal = journal
        self.body = body
    }

    func handle(_ entry: StreamEntry, context: EntryContext) async throws {
        await journal.record(group, entry)
        try await body(entry, context.heartbeat)
    }
}

/// A switch tests flip from outside a handler.
final class Flag: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Bool

    init(_ value: Bool = false) { self.value = value }

    var isOn: Bool {
        lock.lock()
        defer { lock.unlock() }
        return value
    }

    func set(_ newValue: Bool) {
        lock.lock()
        value = newValue
        lock.unlock()
    }
}

/// Opens when the test says so; handlers wait on it.
actor Gate {
    private var open = false
    private var waiters: [CheckedContinuation<Void, Never>] = []
    private(set) var arrivals = 0

    func wait() async {
        arrivals += 1
        if open { return }
        await withCheckedContinuation { waiters.append($0) }
    }

    func release() {
        open = true
        for waiter in waiters { waiter.resume() }
        waiters = []
    }
}

/// A worker running in its own `ServiceGroup` in a task, with ways to stop it.
struct RunningWorker {
    let worker: ConsumerGroupWorker
    /// The worker's only way to a graceful shutdown, as in the real process.
    let services: ServiceGroup
    let task: Task<Void, any Error>

    /// Starts a graceful shutdown without waiting for it.
    func triggerGracefulShutdown() async {
        await services.triggerGracefulShutdown()
    }

    /// Graceful shutdown, and wait for `run()` to return (bounded).
    func shutdown() async throws {
        await triggerGracefulShutdown()
        try await withTimeout(.seconds(30)) { try await task.value }
    }

    /// Hard stop: cancellation.
    func cancel() async {
        task.cancel()
        _ = try? await withTimeout(.seconds(30)) { try await task.value }
    }
}

/// One test's Redis, key space and helpers; deletes its keys at the end.
struct Pipeline {
    let url: String
    let keys: KeySpace
    let redis: RedisConnection
    let logger: Logger

    static func with(
        url: String? = nil,
        partitions: Int = 2,
        tags: PartitionTags = .numbered,
        test: String = #function,
        _ body: (Pipeline) async throws -> Void
    ) async throws {
        let url = if let url { url } else { try await TestRedis.sharedURL() }
        try await withKeyPrefix(url: url, function: test) { prefix, redis in
            let keys = KeySpace(partitions: partitions, prefix: String(prefix.dropLast()), tags: tags)
            try await body(Pipeline(url: url, keys: keys, redis: redis, logger: testLogger("stockroom.pipeline.test")))
        }
    }

    func configuration(
        _ subscription: Subscription,
        consumers: Int = 2,
        batchSize: Int = 8,
        visibility: Duration = .milliseconds(200),
        maxDeliveries: Int = 5,
        maxBackoff: Duration = .milliseconds(400)
    ) -> ConsumerGroupConfiguration {
        ConsumerGroupConfiguration(
            subscription: subscription,
            consumers: consumers,
            batchSize: batchSize,
            block: .milliseconds(200),
            visibilityTimeout: visibility,
            maxDeliveries: maxDeliveries,
            maxBackoff: maxBackoff,
            reclaimInterval: .milliseconds(50)
        )
    }

    func start(
        _ configuration: ConsumerGroupConfiguration,
        _ handler: any EntryHandler,
        metricsFactory: any MetricsFactory = MetricsSystem.factory
    ) throws -> RunningWorker {
        let worker = ConsumerGroupWorker(
            configuration: configuration,
            keys: keys,
            redis: try RedisConfiguration(url: url),
            handler: handler,
            eventLoopGroup: testEventLoop(),
            logger: logger,
            metricsFactory: metricsFactory
        )
        let services = ServiceGroup(configuration: .init(services: [.init(service: worker)], logger: logger))
        return RunningWorker(worker: worker, services: services, task: Task { try await services.run() })
    }

    /// Appends an entry to the topic stream of `sku`'s partition; returns (stream, id).
    @discardableResult
    func append(_ topic: Topic, sku: String, _ fields: [String: String] = [:]) async throws -> (stream: String, id: String) {
        let stream = keys.stream(topic, partition: keys.partition(of: sku))
        var command = ["XADD", stream, "*", "sku", sku]
        for (name, value) in fields.sorted(by: { $0.key < $1.key }) { command += [name, value] }
        let id = try await redis.send(command).get().string ?? ""
        return (stream, id)
    }

    /// Creates `group` on the topic's streams the way the worker does (for tests that read by hand).
    func createGroup(_ subscription: Subscription) async throws {
        for partition in 0..<keys.partitions {
            for stream in [
                keys.stream(subscription.topic, partition: partition),
                keys.retryStream(subscription.topic, group: subscription.group, partition: partition),
            ] {
                _ = try? await redis.send(["XGROUP", "CREATE", stream, subscription.group, "0", "MKSTREAM"]).get()
            }
        }
    }

    /// XPENDING rows (id, consumer, idle, deliveries) of `group` on `stream`.
    func pending(_ stream: String, _ group: String) async throws -> [(id: String, consumer: String, deliveries: Int)] {
        let reply = try await redis.send(["XPENDING", stream, group, "-", "+", "1000"]).get()
        return (reply.array ?? []).compactMap { row in
            guard let parts = row.array, parts.count == 4 else { return nil }
            return (parts[0].string ?? "", parts[1].string ?? "", Int(parts[3].int ?? 0))
        }
    }

    /// Pending entries of `subscription` over all its streams.
    func pendingCount(_ subscription: Subscription) async throws -> Int {
        var total = 0
        for partition in 0..<keys.partitions {
            for stream in [
                keys.stream(subscription.topic, partition: partition),
                keys.retryStream(subscription.topic, group: subscription.group, partition: partition),
            ] {
                let reply = try await redis.send(["XPENDING", stream, subscription.group]).get()
                total += Int(reply.array?.first?.int ?? 0)
            }
        }
        return total
    }

    func length(_ key: String) async throws -> Int {
        Int(try await redis.send(["XLEN", key]).get().int ?? 0)
    }

    func deadLetterCount(_ subscription: Subscription) async throws -> Int {
        var total = 0
        for partition in 0..<keys.partitions {
            total += try await length(keys.deadLetterStream(subscription.topic, group: subscription.group, partition: partition))
        }
        return total
    }

    var deadLetters: DeadLetters { DeadLetters(keys: keys, redis: redis, subscriptions: Subscription.all) }
}

// XCTAssert's autoclosures cannot await: these take evaluated values.
func expectEqual<T: Equatable>(_ a: T, _ b: T, _ message: String = "", file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(a, b, message, file: file, line: line)
}

func expectTrue(_ value: Bool, _ message: String = "", file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertTrue(value, message, file: file, line: line)
}

func expectFalse(_ value: Bool, _ message: String = "", file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertFalse(value, message, file: file, line: line)
}

func expectLessThanOrEqual<T: Comparable>(_ a: T, _ b: T, _ message: String = "", file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertLessThanOrEqual(a, b, message, file: file, line: line)
}

func expectGreaterThanOrEqual<T: Comparable>(_ a: T, _ b: T, _ message: String = "", file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertGreaterThanOrEqual(a, b, message, file: file, line: line)
}
