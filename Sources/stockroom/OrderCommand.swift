import ArgumentParser
import Foundation
import StockroomCore

/// `stockroom order`: the factory orders, and an operator's way out of a stuck one.
struct OrderCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "order",
        abstract: "List, show, cancel or retry factory orders.",
        subcommands: [List.self, Show.self, Cancel.self, Retry.self]
    )

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "One line per order: ref= sku= qty= state= attempts= age=."
        )

        @Option(help: "Only orders in this state: open, requested, failed, delivered, expired or cancelled.") var state: String?
        @Option(help: "Only the orders of this SKU.") var sku: String?
        @OptionGroup var redisOptions: RedisOptions

        func validate() throws {
            if let state, FactoryOrderRecord.Status(rawValue: state) == nil {
                throw ValidationError("--state is open, requested, failed, delivered, expired or cancelled, not \(state)")
            }
        }

        func run() async throws {
            let (records, unreachable) = try await withOperatorRedis(redisOptions) { redis, keys in
                try await FactoryOrders(keys: keys, redis: redis).list(state: state.flatMap(FactoryOrderRecord.Status.init), sku: sku)
            }
            let now = Int(Date().timeIntervalSince1970 * 1000)
            for record in records {
                let age = (record.openedAt ?? record.requestedAt).map { "\(max(0, now - $0) / 1000)s" } ?? "-"
                print(
                    "ref=\(record.order) sku=\(record.sku ?? "-") qty=\(record.quantity.map(String.init) ?? "-") "
                        + "state=\(record.status?.rawValue ?? "-") attempts=\(record.attempts) age=\(age)"
                )
            }
            print("\(records.count) order(s)\(UnreachablePartitions.note(unreachable))")
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Everything an order's record holds, one field a line.")

        @Argument(help: "The order reference, SKU@n.") var reference: String
        @OptionGroup var redisOptions: RedisOptions

        func run() async throws {
            let order = try OrderCommand.parse(reference)
            let record = try await withOperatorRedis(redisOptions) { redis, keys in
                try await FactoryOrders(keys: keys, redis: redis).record(of: order)
            }
            guard let record else { throw OrderCommandError(description: "no order \(reference)") }
            print("ref=\(record.order)")
            for (name, value) in record.fields.sorted(by: { $0.key < $1.key }) { print("\(name)=\(value)") }
        }
    }

    struct Cancel: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Close an open, requested or failed order: the SKU may order again; a late delivery for it is refused."
        )

        @OptionGroup var action: OrderAction

        func run() async throws {
            try await action.perform(done: "cancelled", actsOn: "open, requested or failed") { orders, order in
                try await orders.cancel(order, actor: CommandLineActor.current)
            }
        }
    }

    struct Retry: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Ask the factory for an open or requested order again at the factory workers' next check."
        )

        @OptionGroup var action: OrderAction

        func run() async throws {
            try await action.perform(done: "retry scheduled for", actsOn: "open or requested") { orders, order in
                try await orders.retryNow(order, actor: CommandLineActor.current)
            }
        }
    }

    static func parse(_ reference: String) throws -> OrderReference {
        guard let order = OrderReference(reference) else { throw ValidationError("an order reference is SKU@n, got \(reference)") }
        return order
    }
}

/// What `order cancel` and `order retry` take: an order reference, on the operator's Redis.
struct OrderAction: ParsableArguments {
    @Argument(help: "The order reference, SKU@n.") var reference: String
    @OptionGroup var redisOptions: RedisOptions

    /// Runs `change`, which answers nil when it acted and the order's status when the order was not
    /// in a state it `actsOn`; prints `<done> REF` or fails with that status.
    func perform(
        done: String,
        actsOn states: String,
        _ change: @Sendable (FactoryOrders, OrderReference) async throws -> String?
    ) async throws {
        let order = try OrderCommand.parse(reference)
        let refusal = try await withOperatorRedis(redisOptions) { redis, keys in
            try await change(FactoryOrders(keys: keys, redis: redis), order)
        }
        if let refusal {
            // A failed order waits for an operator's decision on its dead letter, not for a retry.
            let hint = refusal == FactoryOrderRecord.Status.failed.rawValue
                ? ": its stock-empty entry is a dead letter; redrive it (stockroom dlq redrive --sku \(order.sku)) or cancel the order"
                : ""
            throw OrderCommandError(
                description: "order \(reference) is \(refusal.isEmpty ? "unknown" : refusal), not \(states)\(hint)"
            )
        }
        print("\(done) \(reference)")
    }
}

/// An order command that could not act: printed as `Error: …`, exit status 1, without the usage text
/// a mistyped flag earns.
struct OrderCommandError: Error, CustomStringConvertible {
    var description: String
}
