import StockroomCore
import StockroomPipeline
import StockroomRedis

/// A redrive or purge of every dead letter matching a filter, as its record in Redis holds it
/// (`KeySpace.consoleJobKey`): any console shows it, after a reload too.
struct BulkJob: Sendable {
    /// running → finished, cancelled (an admin asked, the job stopped between two batches) or failed.
    enum State: String, Sendable {
        case running, finished, cancelled, failed
    }

    var id: String
    var action: RedriveReport.Action
    var actor: String
    var filter: DeadLettersPage.Filter
    /// The matches counted when the job started; dead letters that arrive later are not part of it.
    var total: Int
    var done: Int
    var state: State
    var cancelRequested: Bool
    /// Units per second (redrives only; a purge runs as fast as Redis takes it).
    var rate: Int
    var startedAt: Int64
    var updatedAt: Int64
    var error: String?
    /// Partitions a batch could not read: their matches were left where they are.
    var skippedPartitions: [Int]

    /// A running job whose process stopped updating it: it will not go on by itself.
    func isStale(now: Int64) -> Bool {
        state == .running && now - updatedAt > Self.staleAfterMilliseconds
    }

    /// A running job writes its progress at least every batch, and a batch takes at most about a second.
    static let staleAfterMilliseconds: Int64 = 15_000

    var fields: [String] {
        [
            "action", action.rawValue, "actor", actor, "group", filter.group, "sku", filter.sku, "error", filter.error,
            "since", filter.since, "until", filter.until, "total", String(total), "done", String(done), "state", state.rawValue,
            "rate", String(rate), "started_at", String(startedAt), "updated_at", String(updatedAt),
        ]
    }

    init(
        id: String, action: RedriveReport.Action, actor: String, filter: DeadLettersPage.Filter, total: Int, rate: Int, startedAt: Int64
    ) {
        self.id = id
        self.action = action
        self.actor = actor
        self.filter = filter
        self.total = total
        self.done = 0
        self.state = .running
        self.cancelRequested = false
        self.rate = rate
        self.startedAt = startedAt
        self.updatedAt = startedAt
        self.error = nil
        self.skippedPartitions = []
    }

    init?(id: String, fields: [String: String]) {
        guard let action = fields["action"].flatMap(RedriveReport.Action.init(rawValue:)),
            let state = fields["state"].flatMap(State.init(rawValue:))
        else { return nil }
        var filter = DeadLettersPage.Filter()
        filter.group = fields["group"] ?? ""
        filter.sku = fields["sku"] ?? ""
        filter.error = fields["error"] ?? ""
        filter.since = fields["since"] ?? ""
        filter.until = fields["until"] ?? ""
        self.init(
            id: id, action: action, actor: fields["actor"] ?? "", filter: filter, total: fields["total"].flatMap { Int($0) } ?? 0,
            rate: fields["rate"].flatMap { Int($0) } ?? 0, startedAt: fields["started_at"].flatMap { Int64($0) } ?? 0
        )
        self.done = fields["done"].flatMap { Int($0) } ?? 0
        self.state = state
        self.cancelRequested = fields["cancel_requested"] == "1"
        self.updatedAt = fields["updated_at"].flatMap { Int64($0) } ?? startedAt
        self.error = fields["error_text"]
        self.skippedPartitions = (fields["skipped_partitions"] ?? "").split(separator: ",").compactMap { Int($0) }
    }
}
