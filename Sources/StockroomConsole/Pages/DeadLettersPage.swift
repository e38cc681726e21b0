import Foundation
import StockroomCore
import StockroomPipeline

/// `/console/dead-letters`: every group's dead letters, newest first, a page at a time, filtered by
/// group, SKU, error text and time; and one dead letter's whole context.
enum DeadLettersPage {
    /// Values longer than this are cut in the list; the detail page links the full value.
    static let listCut = 160
    static let detailCut = 4096

    /// The filter as the page's form and links carry it.
    struct Filter: Sendable {
        var group = ""
        var sku = ""
        var error = ""
        var since = ""
        var until = ""

        init() {}

        /// The filter a page's query names.
        init(_ parameters: [String: String]) {
            self.init { parameters[$0] }
        }

        /// The filter a posted form carries.
        init(form: [String: [String]]) {
            self.init { form[$0]?.first }
        }

        private init(_ value: (String) -> String?) {
            group = value("group") ?? ""
            sku = value("sku") ?? ""
            error = value("error") ?? ""
            since = value("since") ?? ""
            until = value("until") ?? ""
        }

        var pairs: [(String, String)] { [("group", group), ("sku", sku), ("error", error), ("since", since), ("until", until)] }

        var queryString: String {
            pairs.filter { !$0.1.isEmpty }.map { "\($0.0)=\(percentEncoded($0.1))" }.joined(separator: "&")
        }

        /// How a person reads it: `group stock-empty/factory, error contains "timeout"`, or `every dead letter`.
        var summary: String {
            let parts = [
                group.isEmpty ? "" : "group \(group)", sku.isEmpty ? "" : "SKU \(sku)", error.isEmpty ? "" : "error contains \"\(error)\"",
                since.isEmpty ? "" : "since \(since)", until.isEmpty ? "" : "until \(until)",
            ].filter { !$0.isEmpty }
            return parts.isEmpty ? "every dead letter" : parts.joined(separator: ", ")
        }
    }

    static func render(
        _ letters: DeadLetterPage, filter: Filter, groups: [String], pageSize: Int, running: [BulkJob], viewer: ConsoleViewer
    ) -> String {
        var html = ""
        for job in running {
            html += "<p class=\"notice\">A bulk \(job.action.rawValue) of \(escape(job.filter.summary)) is running: \(job.done) of \(job.total). "
            html += "<a href=\"/console/dead-letters/jobs/show?id=\(percentEncoded(job.id))\">Its progress →</a></p>"
        }
        html += "<form class=\"filters\" method=\"get\" action=\"/console/dead-letters\">"
        html += "<label>group <select name=\"group\"><option value=\"\">every group</option>"
        for group in groups {
            html += "<option\(group == filter.group ? " selected" : "")>\(escape(group))</option>"
        }
        html += "</select></label>"
        html += "<label>SKU <input name=\"sku\" value=\"\(escape(filter.sku))\" size=\"12\"></label>"
        html += "<label>error contains <input name=\"error\" value=\"\(escape(filter.error))\" size=\"16\"></label>"
        html += "<label>since <input type=\"datetime-local\" name=\"since\" value=\"\(escape(filter.since))\"></label>"
        html += "<label>until <input type=\"datetime-local\" name=\"until\" value=\"\(escape(filter.until))\"></label>"
        html += "<button>Filter</button> <small>times in UTC</small></form>"
        html += unreachableNote(letters.unreachablePartitions, missing: "dead letters")
        if letters.letters.isEmpty {
            html += "<p>No dead letters\(filter.queryString.isEmpty ? "" : " match this filter").</p>"
        } else {
            // With the admin's actions, the table sits in the form that redrives or purges the rows ticked.
            if viewer.mayAct {
                html += "<form method=\"post\" action=\"/console/dead-letters/act\">\(csrfField(viewer))"
                html += actionControls(filter: filter)
            }
            html += "<div class=\"scroll\"><table><thead><tr><th>dead letter</th><th>group</th><th>SKU</th><th>reason</th>"
            html += "<th class=\"n\">deliveries</th><th>last error</th><th>dead since (UTC)</th></tr></thead><tbody>"
            for letter in letters.letters {
                let group = "\(letter.subscription.topic.rawValue)/\(letter.subscription.group)"
                let link = "/console/dead-letters/show?group=\(percentEncoded(group))&ref=\(percentEncoded(letter.reference))"
                let tick = viewer.mayAct ? "<input type=\"checkbox\" name=\"ref\" value=\"\(escape(group))|\(escape(letter.reference))\"> " : ""
                html += "<tr><td>\(tick)<a href=\"\(link)\"><code>\(escape(letter.reference))</code></a></td><td>\(escape(group))</td>"
                html += "<td>\(escape(letter.fields["sku"] ?? "–"))</td><td>\(escape(letter.reason))</td>"
                html += "<td class=\"n\">\(letter.deliveries)</td><td class=\"wrap\">\(escape(cut(letter.lastError, to: listCut)))</td>"
                html += "<td>\(escape(time(letter.deadAt ?? idTime(letter.id))))</td></tr>"
            }
            html += "</tbody></table></div>"
            if viewer.mayAct { html += "</form>" }
        }
        if let next = letters.next {
            let query = [filter.queryString, "after=\(percentEncoded(next.description))", "size=\(pageSize)"]
                .filter { !$0.isEmpty }.joined(separator: "&")
            html += "<p><a href=\"/console/dead-letters?\(query)\">Older →</a></p>"
        }
        return page(.deadLetters, viewer: viewer, body: html)
    }

    /// What the admin may do with the dead letters in view: always a preview (dry run) first.
    private static func actionControls(filter: Filter) -> String {
        var html = "<div class=\"actions\"><label>apply to <select name=\"scope\"><option value=\"selected\">the dead letters ticked below</option>"
        html += "<option value=\"filter\">every dead letter matching the filter: \(escape(filter.summary))</option></select></label>"
        for (name, value) in filter.pairs {
            html += hidden(name, value)
        }
        html += "<button name=\"action\" value=\"redrive\">Preview redrive</button>"
        html += "<button name=\"action\" value=\"purge\" class=\"danger\">Preview purge</button></div>"
        return html
    }

    static func renderDetail(_ letter: DeadLetter, group: String, viewer: ConsoleViewer) -> String {
        var html = "<p><a href=\"/console/dead-letters?group=\(percentEncoded(group))\">← \(escape(group))'s dead letters</a></p>"
        html += "<h2><code>\(escape(letter.reference))</code> of \(escape(group))</h2><dl class=\"facts\">"
        let facts: [(String, String)] = [
            ("reason", letter.reason), ("deliveries", String(letter.deliveries)), ("handler failures", String(letter.failures)),
            ("last error", letter.lastError), ("last consumer", letter.lastConsumer),
            ("original entry", "\(letter.originalStream) \(letter.originalID)"), ("read from", "\(letter.sourceStream) \(letter.sourceID)"),
            ("appended", letter.enqueuedAt.map(time) ?? "–"), ("first failed", letter.firstFailedAt.map(time) ?? "–"),
            ("last delivered", letter.lastDeliveredAt.map(time) ?? "–"), ("dead since", time(letter.deadAt ?? idTime(letter.id))),
            ("effect", letter.effect.isEmpty ? "none" : letter.effect),
        ]
        for (name, value) in facts {
            html += "<dt>\(escape(name))</dt><dd class=\"wrap\">\(escape(cut(value, to: detailCut)))</dd>"
        }
        html += "</dl><h2>Original fields</h2>"
        if letter.entryMissing {
            html += "<p class=\"alert\">The entry was gone from its stream when it was dead-lettered: no fields.</p>"
        }
        html += "<div class=\"scroll\"><table><thead><tr><th>field</th><th>value</th></tr></thead><tbody>"
        for (name, value) in letter.fields.sorted(by: { $0.key < $1.key }) {
            html += "<tr><td><code>\(escape(name))</code></td><td class=\"wrap\">\(escape(cut(value, to: detailCut)))"
            if value.count > detailCut {
                let link = "/console/dead-letters/field?group=\(percentEncoded(group))&ref=\(percentEncoded(letter.reference))"
                    + "&name=\(percentEncoded(name))"
                html += " <a href=\"\(link)\">the whole value (\(value.utf8.count) bytes)</a>"
            }
            html += "</td></tr>"
        }
        html += "</tbody></table></div>"
        if viewer.mayAct {
            html += "<form class=\"actions\" method=\"post\" action=\"/console/dead-letters/act\">\(csrfField(viewer))"
            html += hidden("scope", "selected")
            html += hidden("ref", "\(group)|\(letter.reference)")
            html += "<button name=\"action\" value=\"redrive\">Preview redrive</button>"
            html += "<button name=\"action\" value=\"purge\" class=\"danger\">Preview purge</button></form>"
        }
        return page(.deadLetters, title: "Dead letter", viewer: viewer, body: html)
    }

    /// A redrive's or purge's preview (with the button that does it) or its result.
    static func renderAction(
        _ reports: [RedriveReport], action: RedriveReport.Action, confirmed: Bool, form: [String: [String]], viewer: ConsoleViewer
    ) -> String {
        let count = reports.reduce(0) { $0 + $1.count }
        let verb = action == .redrive ? "redrive" : "purge"
        var html = "<p>"
        if confirmed {
            html += "Done: \(verb == "redrive" ? "redrove" : "purged") \(count) dead letter\(count == 1 ? "" : "s")."
        } else {
            html += "A \(verb) would take \(count) dead letter\(count == 1 ? "" : "s"). Nothing has changed yet."
        }
        html += "</p><div class=\"scroll\"><table><thead><tr><th>group</th><th class=\"n\">dead letters</th><th>effects</th>"
        html += "<th>audit records</th></tr></thead><tbody>"
        for report in reports {
            let effects = report.effects.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: "; ")
            html += "<tr><td>\(escape("\(report.subscription.topic.rawValue)/\(report.subscription.group)"))</td>"
            html += "<td class=\"n\">\(report.count)</td><td class=\"wrap\">\(escape(cut(effects, to: listCut * 4)))</td>"
            html += "<td>\(escape(report.auditIDs.joined(separator: ", ")))</td></tr>"
        }
        html += "</tbody></table></div>"
        if !confirmed, count > 0 {
            html += "<form class=\"actions\" method=\"post\" action=\"/console/dead-letters/act\">\(csrfField(viewer))"
            for (name, values) in form.sorted(by: { $0.key < $1.key }) where name != "csrf" && name != "confirm" {
                for value in values {
                    html += hidden(name, value)
                }
            }
            html += hidden("confirm", "1")
            html += "<button\(action == .purge ? " class=\"danger\"" : "")>\(verb == "redrive" ? "Redrive" : "Purge") \(count) now</button></form>"
        }
        html += "<p><a href=\"/console/dead-letters\">← Dead letters</a></p>"
        return page(.deadLetters, title: confirmed ? "Dead letters: \(verb) done" : "Dead letters: \(verb) preview", viewer: viewer, body: html)
    }

    static func cut(_ text: String, to limit: Int) -> String {
        text.count > limit ? String(text.prefix(limit)) + "…" : text
    }

    /// The time a stream id names (ms since 1970).
    static func idTime(_ id: String) -> Int64 {
        Int64(id.split(separator: "-").first ?? "") ?? 0
    }

    static func time(_ milliseconds: Int64) -> String {
        timeFormatter.string(from: Date(timeIntervalSince1970: Double(milliseconds) / 1000))
    }

    /// `2026-11-30T16:05` (a `datetime-local` input's value, taken as UTC) as ms since 1970.
    static func milliseconds(fromLocalTime text: String) -> Int64? {
        guard !text.isEmpty, let date = inputFormatter.date(from: text) else { return nil }
        return Int64(date.timeIntervalSince1970 * 1000)
    }

    private static let timeFormatter: DateFormatter = utcFormatter("yyyy-MM-dd HH:mm:ss")
    private static let inputFormatter: DateFormatter = utcFormatter("yyyy-MM-dd'T'HH:mm")

    private static func utcFormatter(_ format: String) -> DateFormatter {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = format
        return formatter
    }
}

/// `text` for a URL's query: everything but unreserved characters percent-encoded.
func percentEncoded(_ text: String) -> String {
    var allowed = CharacterSet.alphanumerics
    allowed.insert(charactersIn: "-._~")
    return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? ""
}
