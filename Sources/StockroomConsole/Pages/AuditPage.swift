import StockroomPipeline

/// `/console/audit`: every redrive, purge, order cancel or retry and stock change, newest first, with
/// who did it and what it changed.
enum AuditPage {
    static func render(_ records: [AuditRecord], next: StreamPageCursor?, pageSize: Int, viewer: ConsoleViewer) -> String {
        var html = ""
        if records.isEmpty {
            html += "<p>No operator action yet.</p>"
        } else {
            html += "<div class=\"scroll\"><table><thead><tr><th>when (UTC)</th><th>action</th><th>who</th><th>what</th>"
            html += "<th class=\"n\">partition</th><th class=\"n\">count</th><th>details</th></tr></thead><tbody>"
            for record in records {
                let fields = record.fields
                let when = fields["at"].flatMap(Int64.init) ?? DeadLettersPage.idTime(record.id)
                html += "<tr><td>\(escape(DeadLettersPage.time(when)))</td><td>\(escape(fields["action"] ?? ""))</td>"
                html += "<td>\(escape(fields["actor"] ?? ""))</td><td>\(subject(fields))</td>"
                html += "<td class=\"n\">\(record.partition)</td><td class=\"n\">\(escape(fields["count"] ?? "1"))</td>"
                html += "<td class=\"wrap\">\(escape(DeadLettersPage.cut(details(fields), to: DeadLettersPage.listCut)))</td></tr>"
            }
            html += "</tbody></table></div>"
        }
        if let next {
            html += "<p><a href=\"/console/audit?after=\(percentEncoded(next.description))&amp;size=\(pageSize)\">Older →</a></p>"
        }
        return page(.audit, viewer: viewer, body: html)
    }

    /// What the action changed: a group's dead letters, an order, or a SKU's stock (linked).
    private static func subject(_ fields: [String: String]) -> String {
        if let topic = fields["topic"], let group = fields["group"] { return escape("\(topic)/\(group)") }
        if let order = fields["order"] {
            return "<a href=\"/console/orders/show?ref=\(percentEncoded(order))\"><code>\(escape(order))</code></a>"
        }
        if let sku = fields["sku"] {
            return "<a href=\"/console/skus?prefix=\(percentEncoded(sku))\"><code>\(escape(sku))</code></a>"
        }
        return "–"
    }

    private static func details(_ fields: [String: String]) -> String {
        switch fields["action"] {
        case "redrive", "purge":
            return ["filter \(fields["filter"] ?? "")", fields["effects"] ?? ""].filter { !$0.isEmpty }.joined(separator: "; ")
        case "cancel-order", "retry-order":
            return "the order was \(fields["status"] ?? "?")"
        case "stock-add", "stock-remove":
            return "\(fields["change"] ?? "?") → stock \(fields["stock"] ?? "?")"
        case "stock-set":
            return "stock \(fields["stock"] ?? "?"), reorder point \(fields["reorder_point"] ?? "?"), quantity \(fields["reorder_qty"] ?? "?")"
        default:
            return ""
        }
    }
}
