import ArgumentParser
import Foundation
import StockroomCore
import StockroomPipeline

/// `stockroom dlq`: inspect, redrive and purge dead letters.
struct DeadLetterCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dlq",
        abstract: "List, show, redrive or purge the consumer groups' dead letters.",
        subcommands: [List.self, Show.self, Redrive.self, Purge.self]
    )

    /// Which dead letters a redrive or purge takes.
    struct Selection: ParsableArguments {
        @Option(help: "Only this group: topic/group (e.g. stock-empty/factory) or a unique group name (default: every group, each gets back only its own).")
        var group: String?
        @Option(name: .customLong("id"), help: "A dead letter's reference (p3:1700000000000-0), or an id that only one partition holds; repeatable.")
        var ids: [String] = []
        @Option(help: "Dead letters of this SKU.") var sku: String?
        @Flag(help: "Every dead letter of the group.") var all = false
        @Flag(help: "Report what would happen; change nothing.") var dryRun = false

        func validate() throws {
            let chosen = [!ids.isEmpty, sku != nil, all].filter { $0 }.count
            guard chosen == 1 else { throw ValidationError("choose exactly one of --id, --sku and --all") }
        }

        var filter: RedriveFilter {
            if !ids.isEmpty { return .ids(ids) }
            if let sku { return .sku(sku) }
            return .all
        }

        /// Redrives or purges the selected dead letters and prints what happened.
        func perform(_ action: RedriveReport.Action, _ redisOptions: RedisOptions) async throws {
            let subscriptions = try group.map { [try Subscription.parse($0)] } ?? Subscription.all
            let reports = try await withOperatorRedis(redisOptions) { redis, keys in
                let deadLetters = DeadLetters(keys: keys, redis: redis, subscriptions: Subscription.all)
                var reports: [RedriveReport] = []
                for subscription in subscriptions {
                    switch action {
                    case .redrive:
                        reports.append(try await deadLetters.redrive(subscription: subscription, filter: filter, dryRun: dryRun, actor: CommandLineActor.current))
                    case .purge:
                        reports.append(try await deadLetters.purge(subscription: subscription, filter: filter, dryRun: dryRun, actor: CommandLineActor.current))
                    }
                }
                return reports
            }
            // Without --group, only the groups that had matches are reported.
            let shown = group == nil ? reports.filter { $0.count > 0 } : reports
            if shown.isEmpty { print("no dead letter matches \(filter)") }
            for report in shown {
                print(report.summary)
                // One line per dead letter that meant something to the data model, e.g. its order.
                for reference in report.references {
                    if let effect = report.effects[reference] { print("  \(reference): \(effect)") }
                }
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "One line per dead letter: group, id, SKU, deliveries, last error.")
        @Option(help: "Only this group (topic/group or a unique group name).") var group: String?
        @Option(help: "At most this many per group.") var limit = 100
        @OptionGroup var redisOptions: RedisOptions

        func run() async throws {
            let subscription = try group.map(Subscription.parse)
            let letters = try await withOperatorRedis(redisOptions) { redis, keys in
                try await DeadLetters(keys: keys, redis: redis, subscriptions: Subscription.all).list(subscription: subscription, limit: limit)
            }
            for letter in letters {
                print("\(letter.subscription) \(letter.reference) sku=\(letter.fields["sku"] ?? "-") "
                    + "deliveries=\(letter.deliveries) reason=\(letter.reason) last_error=\"\(letter.lastError)\"")
            }
            print("\(letters.count) dead letter(s)")
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Everything kept about one dead letter.")
        @Argument(help: "Its reference (p3:1700000000000-0) or id.") var id: String
        @OptionGroup var redisOptions: RedisOptions

        func run() async throws {
            let letters = try await withOperatorRedis(redisOptions) { redis, keys in
                try await DeadLetters(keys: keys, redis: redis, subscriptions: Subscription.all).show(id: id)
            }
            guard !letters.isEmpty else {
                FileHandle.standardError.write(Data("error: no dead letter \(id)\n".utf8))
                throw ExitCode.failure
            }
            for letter in letters {
                print("""
                    dead letter \(letter.reference) of \(letter.subscription)
                      original: \(letter.originalStream) \(letter.originalID) (read from \(letter.sourceStream) \(letter.sourceID))
                      reason: \(letter.reason)  deliveries: \(letter.deliveries)  failures: \(letter.failures)
                      last error: \(letter.lastError)
                      last consumer: \(letter.lastConsumer)\(letter.effect.isEmpty ? "" : "\n  effect: \(letter.effect)")
                      enqueued_at: \(letter.enqueuedAt.map(String.init) ?? "-")  first_failed_at: \(letter.firstFailedAt.map(String.init) ?? "-")  last_delivered_at: \(letter.lastDeliveredAt.map(String.init) ?? "-")  dead_at: \(letter.deadAt.map(String.init) ?? "-")
                      fields: \(letter.fields.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " "))
                    """)
            }
        }
    }

    struct Redrive: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Send dead letters back to the group that failed them, and only to it."
        )
        @OptionGroup var selection: Selection
        @OptionGroup var redisOptions: RedisOptions

        func run() async throws {
            try await selection.perform(.redrive, redisOptions)
        }
    }

    struct Purge: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete dead letters, leaving an audit record.")
        @OptionGroup var selection: Selection
        @OptionGroup var redisOptions: RedisOptions

        func run() async throws {
            try await selection.perform(.purge, redisOptions)
        }
    }
}

extension RedriveReport {
    var summary: String {
        let verb: String
        switch (action, dryRun) {
        case (_, true): verb = "would \(action.rawValue)"
        case (.redrive, false): verb = "redrove"
        case (.purge, false): verb = "purged"
        }
        return "\(verb) \(count) dead letter(s) of \(subscription) (\(filter))"
            + (references.isEmpty ? "" : ": \(references.joined(separator: " "))")
            + (auditIDs.isEmpty ? "" : " audit=\(auditIDs.joined(separator: ","))")
    }
}
