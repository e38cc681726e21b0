import StockroomPipeline

/// `/console/audit`: every redrive and purge, newest first, with who did it and what it moved.
enum AuditPage {
    static func render(_ records: [AuditRecord], next: StreamPageCursor?, pageSize: Int, viewer: ConsoleViewer) -> String {
        var html = ""
        if records.isEmpty {
            html += "<p>No redrive or purge yet.</p>"
        } else {
            html += "<div class=\"scroll\"><table><thead><tr><th>when (UTC)</th><th>action</th><th>who</th><th>group</th>"
            html += "<th class=\"n\">partition</th><th>filter</th><th class=\"n\">count</th><th>effects</th></tr></thead><tbody>"
            for record in records {
                let fields = record.fields
                let when = fields["at"].flatMap(Int64.init) ?? DeadLettersPage.idTime(record.id)
                html += "<tr><td>\(escape(DeadLettersPage.time(when)))</td><td>\(escape(fields["action"] ?? ""))</td>"
                html += "<td>\(escape(fields["actor"] ?? ""))</td><td>\(escape("\(fields["topic"] ?? "")/\(fields["group"] ?? "")"))</td>"
                html += "<td class=\"n\">\(record.partition)</td><td>\(escape(fields["filter"] ?? ""))</td>"
                html += "<td class=\"n\">\(escape(fields["count"] ?? ""))</td>"
                html += "<td class=\"wrap\">\(escape(DeadLettersPage.cut(fields["effects"] ?? "", to: DeadLettersPage.listCut)))</td></tr>"
            }
            html += "</tbody></table></div>"
        }
        if let next {
            html += "<p><a href=\"/console/audit?after=\(percentEncoded(next.description))&amp;size=\(pageSize)\">Older →</a></p>"
        }
        return page(.audit, viewer: viewer, body: html)
    }
}
