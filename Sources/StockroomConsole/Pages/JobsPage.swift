import StockroomPipeline

/// `/console/dead-letters/jobs`: bulk redrives and purges of everything a filter matches, their dry-run
/// count first, then their progress, live, with a cancel button.
enum JobsPage {
    /// The count a bulk action would move, and the button that starts it.
    static func renderPreview(
        _ action: RedriveReport.Action, filter: DeadLettersPage.Filter, count: Int, unreachable: [Int], rate: Int, viewer: ConsoleViewer
    ) -> String {
        let verb = action.rawValue
        var html = "<p>A \(verb) of \(escape(filter.summary)) would take \(count) dead letter\(count == 1 ? "" : "s") now. Nothing has changed yet.</p>"
        html += unreachableNote(unreachable, missing: "dead letters")
        if count > 0 {
            if action == .redrive {
                html += "<p>It runs at \(rate) per second (<code>--redrive-rate</code>): about \(duration(Double(count) / Double(rate))). "
                html += "You can follow it, and cancel it, on its own page.</p>"
            }
            html += "<form class=\"actions\" method=\"post\" action=\"/console/dead-letters/act\">\(csrfField(viewer))"
            html += hidden("scope", "filter") + hidden("action", verb)
            for (name, value) in filter.pairs {
                html += hidden(name, value)
            }
            html += hidden("confirm", "1")
            html += "<button\(action == .purge ? " class=\"danger\"" : "")>Start: \(verb) \(count)</button></form>"
        }
        html += "<p><a href=\"/console/dead-letters?\(filter.queryString)\">← Dead letters</a></p>"
        return page(.deadLetters, title: "Dead letters: bulk \(verb) preview", viewer: viewer, body: html)
    }

    static func renderList(_ jobs: [BulkJob], now: Int64, viewer: ConsoleViewer) -> String {
        var html = ""
        if jobs.isEmpty {
            html += "<p>No bulk redrive or purge yet. Start one from the dead letters page: filter, then apply to every dead letter matching it.</p>"
        } else {
            html += "<div class=\"scroll\"><table><thead><tr><th>started (UTC)</th><th>action</th><th>who</th><th>filter</th>"
            html += "<th class=\"n\">done</th><th class=\"n\">of</th><th>state</th></tr></thead><tbody>"
            for job in jobs {
                let link = "/console/dead-letters/jobs/show?id=\(percentEncoded(job.id))"
                html += "<tr><td><a href=\"\(link)\">\(escape(DeadLettersPage.time(job.startedAt)))</a></td><td>\(job.action.rawValue)</td>"
                html += "<td>\(escape(job.actor))</td><td class=\"wrap\">\(escape(job.filter.summary))</td>"
                html += "<td class=\"n\">\(job.done)</td><td class=\"n\">\(job.total)</td><td>\(escape(state(job, now: now)))</td></tr>"
            }
            html += "</tbody></table></div>"
        }
        return page(.deadLetters, title: "Bulk redrives and purges", viewer: viewer, body: html)
    }

    static func render(_ job: BulkJob, now: Int64, viewer: ConsoleViewer) -> String {
        var html = "<p><a href=\"/console/dead-letters/jobs\">← every bulk job</a></p>"
        html += liveRegion(from: "/console/dead-letters/jobs/live?id=\(percentEncoded(job.id))", showing: live(job, now: now, viewer: viewer))
        return page(.deadLetters, title: "Bulk \(job.action.rawValue) of \(job.filter.summary)", viewer: viewer, body: html)
    }

    /// The part of a job's page that changes.
    static func live(_ job: BulkJob, now: Int64, viewer: ConsoleViewer) -> String {
        let percent = job.total > 0 ? min(100, job.done * 100 / job.total) : 100
        var html = "<p><progress max=\"100\" value=\"\(percent)\">\(percent)%</progress> "
        html += "<strong>\(job.done)</strong> of \(job.total) \(job.action == .redrive ? "redriven" : "purged"): \(escape(state(job, now: now)))</p>"
        html += "<dl class=\"facts\"><dt>started</dt><dd>\(escape(DeadLettersPage.time(job.startedAt))) by \(escape(job.actor))</dd>"
        if job.action == .redrive { html += "<dt>rate</dt><dd>\(job.rate) per second</dd>" }
        html += "<dt>last progress</dt><dd>\(escape(DeadLettersPage.time(job.updatedAt)))</dd></dl>"
        if let error = job.error { html += "<p class=\"alert\">It failed: \(escape(error))</p>" }
        if !job.skippedPartitions.isEmpty {
            html += "<p class=\"alert\">Partitions \(job.skippedPartitions.map(String.init).joined(separator: ", ")) did not answer: "
            html += "their dead letters were left where they are. Start the same filter again once they are back.</p>"
        }
        if job.state == .running, !job.cancelRequested, viewer.mayAct {
            html += "<form class=\"actions\" method=\"post\" action=\"/console/dead-letters/jobs/cancel\">\(csrfField(viewer))"
            html += hidden("id", job.id) + "<button class=\"danger\">Cancel</button></form>"
        }
        return html
    }

    private static func state(_ job: BulkJob, now: Int64) -> String {
        if job.isStale(now: now) {
            return "interrupted: the process running it stopped; start the same filter again for what is left"
        }
        switch job.state {
        case .running: return job.cancelRequested ? "cancelling after the batch under way" : "running"
        case .finished: return "finished"
        case .cancelled: return "cancelled"
        case .failed: return "failed"
        }
    }
}
