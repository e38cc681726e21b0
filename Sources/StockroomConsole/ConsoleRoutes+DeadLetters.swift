import Hummingbird
import Logging
import StockroomCore
import StockroomPipeline

extension ConsoleRoutes {
    /// Dead letters one form may name.
    static let maximumSelection = 1000

    /// `/console/dead-letters`: the list, one letter, one field, the admin's redrive and purge, and
    /// the bulk jobs.
    static func addDeadLetterRoutes<Context>(_ routes: GatedRoutes<Context>, data: ConsoleData, jobs: BulkJobs) {
        routes.read("dead-letters") { parameters, viewer in
            let filter = DeadLettersPage.Filter(parameters)
            guard let query = data.query(
                filter, after: parameters["after"].flatMap(StreamPageCursor.init),
                pageSize: pageSize(parameters["size"], maximum: DeadLetterQuery.maximumPageSize)
            ) else {
                return text(.badRequest, "no group \(filter.group); groups are topic/group, e.g. stock-empty/factory\n")
            }
            let page = try await data.deadLetterPage(query)
            let running = try await jobs.recent().filter { $0.state == .running }
            return html(DeadLettersPage.render(page, filter: filter, groups: data.groupNames, pageSize: query.pageSize, running: running, viewer: viewer))
        }
        routes.read("dead-letters/show") { parameters, viewer in
            let group = parameters["group"] ?? ""
            guard let letter = try await data.deadLetter(group: group, reference: parameters["ref"] ?? "") else {
                return text(.notFound, "no such dead letter\n")
            }
            return html(DeadLettersPage.renderDetail(letter, group: group, viewer: viewer))
        }
        routes.read("dead-letters/field") { parameters, _ in
            guard let letter = try await data.deadLetter(group: parameters["group"] ?? "", reference: parameters["ref"] ?? ""),
                let value = parameters["name"].flatMap({ letter.fields[$0] })
            else {
                return text(.notFound, "no such dead letter or field\n")
            }
            return text(.ok, value)
        }
        routes.change("dead-letters/act") { form, viewer in
            let action: RedriveReport.Action = form["action"]?.first == "purge" ? .purge : .redrive
            switch form["scope"]?.first ?? "selected" {
            case "selected": return try await selectionAction(action, form: form, viewer: viewer, data: data, logger: routes.logger)
            case "filter": return try await filterAction(action, form: form, viewer: viewer, data: data, jobs: jobs)
            default: return text(.badRequest, "scope is selected or filter\n")
            }
        }
        routes.read("dead-letters/jobs") { _, viewer in
            html(JobsPage.renderList(try await jobs.recent(BulkJobs.kept), now: try await redisNow(data), viewer: viewer))
        }
        routes.read("dead-letters/jobs/show") { parameters, viewer in
            guard let id = parameters["id"], let job = try await jobs.job(id) else {
                return text(.notFound, "no such job\n")
            }
            return html(JobsPage.render(job, now: try await redisNow(data), viewer: viewer))
        }
        routes.read("dead-letters/jobs/live") { parameters, viewer in
            guard let id = parameters["id"], let job = try await jobs.job(id) else {
                return text(.notFound, "no such job\n")
            }
            return html(JobsPage.live(job, now: try await redisNow(data), viewer: viewer))
        }
        routes.change("dead-letters/jobs/cancel") { form, viewer in
            guard let id = form["id"]?.first, try await jobs.cancel(id, actor: actor(viewer)) else {
                return text(.conflict, "no such running job: it has ended, or never was\n")
            }
            return Response(status: .seeOther, headers: [.location: "/console/dead-letters/jobs/show?id=\(percentEncoded(id))"])
        }
    }

    private static func redisNow(_ data: ConsoleData) async throws -> Int64 {
        try await PipelineStatus.redisMilliseconds(on: data.redis)
    }

    /// Up to ``maximumSelection`` dead letters ticked on a page: a preview, or with `confirm=1`, done at once.
    private static func selectionAction(
        _ action: RedriveReport.Action, form: [String: [String]], viewer: ConsoleViewer, data: ConsoleData, logger: Logger
    ) async throws -> Response {
        let confirmed = form["confirm"]?.first == "1"
        let references = form["ref"] ?? []
        guard !references.isEmpty else { return text(.badRequest, "tick at least one dead letter\n") }
        guard references.count <= maximumSelection else {
            return text(.badRequest, "at most \(maximumSelection) dead letters at once; use a filter\n")
        }
        var byGroup: [String: [String]] = [:]
        for reference in references {
            let parts = reference.split(separator: "|", maxSplits: 1).map(String.init)
            guard parts.count == 2, data.subscription(named: parts[0]) != nil else {
                return text(.badRequest, "not a dead letter: \(reference)\n")
            }
            byGroup[parts[0], default: []].append(parts[1])
        }
        let actor = actor(viewer)
        var reports: [RedriveReport] = []
        for (name, ids) in byGroup.sorted(by: { $0.key < $1.key }) {
            guard let subscription = data.subscription(named: name) else { continue }
            switch action {
            case .redrive:
                reports.append(try await data.deadLetters.redrive(subscription: subscription, filter: .ids(ids), dryRun: !confirmed, actor: actor))
            case .purge:
                reports.append(try await data.deadLetters.purge(subscription: subscription, filter: .ids(ids), dryRun: !confirmed, actor: actor))
            }
        }
        if confirmed {
            logger.notice("console \(action.rawValue)", metadata: ["sr.actor": "\(actor)", "sr.count": "\(reports.reduce(0) { $0 + $1.count })"])
        }
        return html(DeadLettersPage.renderAction(reports, action: action, confirmed: confirmed, form: form, viewer: viewer))
    }

    /// Every dead letter a filter matches: the count first, then with `confirm=1` a bulk job.
    private static func filterAction(
        _ action: RedriveReport.Action, form: [String: [String]], viewer: ConsoleViewer, data: ConsoleData, jobs: BulkJobs
    ) async throws -> Response {
        let filter = DeadLettersPage.Filter(form: form)
        guard data.query(filter, after: nil, pageSize: 1) != nil else { return text(.badRequest, "no group \(filter.group)\n") }
        let (count, unreachable) = try await jobs.count(filter)
        guard form["confirm"]?.first == "1" else {
            return html(JobsPage.renderPreview(action, filter: filter, count: count, unreachable: unreachable, rate: jobs.rate, viewer: viewer))
        }
        let id = try await jobs.start(action, filter: filter, total: count, actor: actor(viewer))
        return Response(status: .seeOther, headers: [.location: "/console/dead-letters/jobs/show?id=\(percentEncoded(id))"])
    }
}
