import ArgumentParser
import Foundation
import NIOCore
import NIOPosix
import StockroomBench
import StockroomCore
import StockroomRedis

/// `stockroom-bench console-data`: fills a fresh Redis with what the console's pages are measured
/// on: many SKUs, factory orders in every state, and dead letters of the factory and warehouse
/// groups, written as the scripts write them (the SKU and order indexes included).
struct ConsoleDataCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "console-data",
        abstract: "Fill a Redis with SKUs, orders and dead letters for measuring the console's pages."
    )

    @Option(help: "The Redis URL.") var redis: String
    @Option(help: "SKUs, named BENCH-000000 …") var skus = 100_000
    @Option(help: "Factory orders, one for each of the first SKUs, in every state.") var orders = 10_000
    @Option(help: "Dead letters, spread over the partitions and two groups; one in ten says 'timeout'.") var deadLetters = 10_000

    /// Calls sent before their answers are awaited.
    private static let window = 512

    func run() async throws {
        let group = MultiThreadedEventLoopGroup.singleton
        let configuration = try RedisConfiguration(url: redis)
        let connection = try await RedisConnection.connect(configuration: configuration, eventLoop: group.next(), logger: RedisObserver.quietLogger).get()
        defer { _ = connection.close() }
        let keys = try await KeySpace.open(on: connection, configured: SalesConfiguration().partitions, logger: RedisObserver.quietLogger).get()
        let store = SalesStore(keys: keys, configuration: SalesConfiguration())
        let names = (0..<skus).map { String(format: "BENCH-%06d", $0) }

        try await windowed(names, "SKUs") { name in
            store.setStock(StockUpdate(sku: name, stock: 50, reorderPoint: 5, reorderQuantity: 100), actor: "stockroom-bench", on: connection).map { _ in }
        }
        let states = FactoryOrderRecord.Status.allCases
        try await windowed(Array(names.prefix(orders).enumerated()), "orders") { index, name in
            let order = OrderReference(sku: name, number: 1)
            let partition = keys.partition(of: name)
            // The SKU's first order, as the purchase script numbers it; still its open order while waiting.
            let state = states[index % states.count]
            let open = state == .open || state == .requested ? order.description : ""
            return connection.send(["HSET", keys.skuKey(name, partition: partition), "order_seq", "1", "open_order", open])
                .flatMap { _ in
                    connection.run(.prepareOrder(order, quantity: 100, token: RandomToken.make(), deadline: .seconds(600), partition: partition, keys: keys))
                }
                .flatMap { _ in
                    // Then as far along its lifecycle as its place in the list says, through the index.
                    guard state != .open else { return connection.eventLoop.makeSucceededVoidFuture() }
                    return connection.send(["HSET", keys.orderKey(order.description, partition: partition), "status", state.rawValue, state.timeField, "\(Self.now())"])
                        .flatMap { _ in connection.send(["ZREM", keys.orderStateKey("open", partition: partition), order.description]) }
                        .flatMap { _ in connection.send(["ZADD", keys.orderStateKey(state.rawValue, partition: partition), "\(Self.now())", order.description]) }
                        .map { _ in }
                }
        }
        let subscriptions: [Subscription] = [.factory, .warehouse]
        try await windowed(Array(0..<deadLetters), "dead letters") { n in
            let sku = names[n % names.count]
            let subscription = subscriptions[n % subscriptions.count]
            let partition = keys.partition(of: sku)
            let error = n % 10 == 0 ? "timeout: the factory did not answer within 10 s" : "HTTP 500 from the factory: internal error"
            return connection.send([
                "XADD", keys.deadLetterStream(subscription.topic, group: subscription.group, partition: partition), "*",
                "sku", sku, "order", "\(sku)@1", "quantity", "100", "payload", String(repeating: "x", count: 200),
                "dlq.reason", "max-deliveries", "dlq.deliveries", "5", "dlq.failures", "5", "dlq.last_error", error,
                "dlq.last_consumer", "bench-0", "dlq.topic", subscription.topic.rawValue, "dlq.group", subscription.group,
                "dlq.dead_at", "\(Self.now())",
            ]).map { _ in }
        }
    }

    /// `body` of every element, at most ``window`` in flight, with a line of progress per tenth.
    private func windowed<Element>(_ elements: [Element], _ what: String, _ body: (Element) -> EventLoopFuture<Void>) async throws {
        var inFlight: [EventLoopFuture<Void>] = []
        let tenth = max(elements.count / 10, 1)
        for (index, element) in elements.enumerated() {
            inFlight.append(body(element))
            if inFlight.count == Self.window {
                for future in inFlight { try await future.get() }
                inFlight.removeAll(keepingCapacity: true)
            }
            if (index + 1) % tenth == 0 { Console.say("console-data: \(index + 1)/\(elements.count) \(what)") }
        }
        for future in inFlight { try await future.get() }
    }

    private static func now() -> Int64 { Int64(Date().timeIntervalSince1970 * 1000) }
}
