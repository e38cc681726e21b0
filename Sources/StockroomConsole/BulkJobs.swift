import Foundation
import Logging
import StockroomCore
import StockroomPipeline
import StockroomRedis

/// The console's bulk redrives and purges: everything matching a filter, a batch at a time, redrives
/// at the redrive rate, with progress and a cancel that take effect between batches.
///
/// The job runs in the console process that started it; its record in Redis is what every page
/// shows, so progress survives a reload and shows on any console. A process that stops mid-job leaves
/// the record `running` without updates: the page calls it interrupted, and starting the same filter
/// again moves what is left.
final class BulkJobs: Sendable {
    let data: ConsoleData
    /// Redrives per second.
    let rate: Int
    let logger: Logger

    /// Jobs kept in the list (each record expires a week after it ends).
    static let kept = 50
    static let recordLifetimeSeconds = 7 * 24 * 3600

    init(data: ConsoleData, rate: Int, logger: Logger) {
        self.data = data
        self.rate = max(rate, 1)
        self.logger = logger
    }

    /// How many dead letters `filter` matches now: the dry run a bulk action shows first.
    func count(_ filter: DeadLettersPage.Filter) async throws -> (count: Int, unreachable: [Int]) {
        guard var query = data.query(filter, after: nil, pageSize: DeadLetterQuery.maximumPageSize) else { return (0, []) }
        var count = 0
        var unreachable: Set<Int> = []
        repeat {
            let page = try await data.deadLetterPage(query)
            count += page.letters.count
            unreachable.formUnion(page.unreachablePartitions)
            query.after = page.next
        } while query.after != nil
        return (count, unreachable.sorted())
    }

    /// Records a new job and starts it; returns its id.
    func start(_ action: RedriveReport.Action, filter: DeadLettersPage.Filter, total: Int, actor: String) async throws -> String {
        let now = try await PipelineStatus.redisMilliseconds(on: data.redis)
        let id = "\(now)-\(RandomToken.make().prefix(8))"
        let job = BulkJob(id: id, action: action, actor: actor, filter: filter, total: total, rate: rate, startedAt: now)
        _ = try await data.redis.send(["HSET", data.keys.consoleJobKey(id)] + job.fields).get()
        _ = try await data.redis.send(["ZADD", data.keys.consoleJobsKey, String(now), id]).get()
        _ = try await data.redis.send(["ZREMRANGEBYRANK", data.keys.consoleJobsKey, "0", String(-Self.kept - 1)]).get()
        logger.notice("console bulk \(action.rawValue) started", metadata: ["sr.job": "\(id)", "sr.actor": "\(actor)", "sr.total": "\(total)"])
        Task { await self.run(job) }
        return id
    }

    func job(_ id: String) async throws -> BulkJob? {
        let fields = try await data.redis.send(["HGETALL", data.keys.consoleJobKey(id)]).get().fieldDictionary()
        return BulkJob(id: id, fields: fields)
    }

    /// The newest jobs first.
    func recent(_ limit: Int = 10) async throws -> [BulkJob] {
        let ids = try await data.redis.send(["ZREVRANGE", data.keys.consoleJobsKey, "0", String(limit - 1)]).get().array ?? []
        var jobs: [BulkJob] = []
        for id in ids.compactMap(\.string) {
            if let job = try await job(id) { jobs.append(job) }
        }
        return jobs
    }

    /// Asks a running job to stop after its batch under way; false when there is no such running job.
    func cancel(_ id: String, actor: String) async throws -> Bool {
        guard let job = try await job(id), job.state == .running else { return false }
        _ = try await data.redis.send(["HSET", data.keys.consoleJobKey(id), "cancel_requested", "1", "cancelled_by", actor]).get()
        logger.notice("console bulk job cancel asked", metadata: ["sr.job": "\(id)", "sr.actor": "\(actor)"])
        return true
    }

    /// Dead letters moved per batch: about one batch a second at the rate, at most a page.
    var batchSize: Int { min(rate, DeadLetterQuery.maximumPageSize) }

    private func run(_ job: BulkJob) async {
        let key = data.keys.consoleJobKey(job.id)
        var done = 0
        var skipped: Set<Int> = []
        var final = BulkJob.State.finished
        var failure: String?
        do {
            guard var query = data.query(job.filter, after: nil, pageSize: batchSize) else { throw BulkJobError.unknownGroup(job.filter.group) }
            while true {
                let cancel = try await data.redis.send(["HGET", key, "cancel_requested"]).get().string
                if cancel == "1" {
                    final = .cancelled
                    break
                }
                let started = ContinuousClock.now
                let page = try await data.deadLetterPage(query)
                skipped.formUnion(page.unreachablePartitions)
                done += try await move(page.letters, action: job.action, actor: job.actor)
                let now = try await PipelineStatus.redisMilliseconds(on: data.redis)
                _ = try await data.redis.send([
                    "HSET", key, "done", String(done), "updated_at", String(now),
                    "skipped_partitions", skipped.sorted().map(String.init).joined(separator: ","),
                ]).get()
                guard let next = page.next else { break }
                query.after = next
                if job.action == .redrive {
                    try await Task.sleep(until: started + .milliseconds(1000 * page.letters.count / rate), clock: .continuous)
                }
            }
        } catch {
            final = .failed
            failure = "\(error)"
        }
        let end: [String] = ["HSET", key, "state", final.rawValue, "done", String(done), "finished_at", String(Int64(Date().timeIntervalSince1970 * 1000))]
        _ = try? await data.redis.send(end + (failure.map { ["error_text", $0] } ?? [])).get()
        _ = try? await data.redis.send(["EXPIRE", key, String(Self.recordLifetimeSeconds)]).get()
        logger.notice(
            "console bulk \(job.action.rawValue) \(final.rawValue)",
            metadata: ["sr.job": "\(job.id)", "sr.done": "\(done)", "sr.error": "\(failure ?? "")"]
        )
    }

    /// Redrives or purges `letters`, group by group, as the job's actor; returns how many moved.
    private func move(_ letters: [DeadLetter], action: RedriveReport.Action, actor: String) async throws -> Int {
        let byGroup = Dictionary(grouping: letters, by: \.subscription)
        var moved = 0
        for subscription in data.subscriptions {
            guard let group = byGroup[subscription] else { continue }
            let filter = RedriveFilter.ids(group.map(\.reference))
            let report = action == .redrive
                ? try await data.deadLetters.redrive(subscription: subscription, filter: filter, dryRun: false, actor: actor)
                : try await data.deadLetters.purge(subscription: subscription, filter: filter, dryRun: false, actor: actor)
            moved += report.count
        }
        return moved
    }
}

enum BulkJobError: Error, CustomStringConvertible {
    case unknownGroup(String)

    var description: String {
        switch self {
        case .unknownGroup(let group): "no group \(group)"
        }
    }
}
