import Foundation
import StockroomCore

/// `/console/orders`: the factory orders, newest state change first, filtered by state and SKU; one
/// order's timeline, with cancel and retry for an admin.
enum OrdersPage {
    struct Filter: Sendable {
        var state = ""
        var sku = ""

        var queryString: String {
            [("state", state), ("sku", sku)].filter { !$0.1.isEmpty }.map { "\($0.0)=\(percentEncoded($0.1))" }.joined(separator: "&")
        }
    }

    static func render(_ orders: OrderPage, filter: Filter, pageSize: Int, viewer: ConsoleViewer) -> String {
        var html = "<form class=\"filters\" method=\"get\" action=\"/console/orders\">"
        html += "<label>state <select name=\"state\"><option value=\"\">every state</option>"
        for state in FactoryOrderRecord.Status.allCases {
            html += "<option\(state.rawValue == filter.state ? " selected" : "")>\(state.rawValue)</option>"
        }
        html += "</select></label><label>SKU <input name=\"sku\" value=\"\(escape(filter.sku))\" size=\"14\"></label>"
        html += "<button>Filter</button></form>"
        html += unreachableNote(orders.unreachablePartitions, missing: "orders")
        if orders.rows.isEmpty {
            html += "<p>No orders\(filter.queryString.isEmpty ? "" : " match this filter").</p>"
        } else {
            html += "<div class=\"scroll\"><table><thead><tr><th>order</th><th>SKU</th><th class=\"n\">quantity</th><th>state</th>"
            html += "<th>since (UTC)</th><th class=\"n\">factory calls</th><th>last error</th></tr></thead><tbody>"
            for row in orders.rows {
                let record = row.record
                let since = row.stateSince ?? record.stateSince.map(Int64.init)
                html += "<tr><td><a href=\"/console/orders/show?ref=\(percentEncoded(record.order))\"><code>\(escape(record.order))</code></a></td>"
                html += "<td>\(escape(record.sku ?? "–"))</td><td class=\"n\">\(cell(record.quantity))</td>"
                html += "<td\(record.status == .failed || record.status == .expired ? " class=\"bad\"" : "")>\(escape(record.status?.rawValue ?? "–"))</td>"
                html += "<td>\(since.map { escape(DeadLettersPage.time($0)) } ?? "–")</td><td class=\"n\">\(record.attempts)</td>"
                html += "<td class=\"wrap\">\(escape(DeadLettersPage.cut(record.lastError ?? "", to: DeadLettersPage.listCut)))</td></tr>"
            }
            html += "</tbody></table></div>"
        }
        if let next = orders.next {
            let query = [filter.queryString, "after=\(percentEncoded(next.description))", "size=\(pageSize)"]
                .filter { !$0.isEmpty }.joined(separator: "&")
            html += "<p><a href=\"/console/orders?\(query)\">Older →</a></p>"
        }
        return page(.orders, viewer: viewer, body: html)
    }

    /// One order: its facts, its timeline, every field, and what an admin may do with it.
    static func renderDetail(_ record: FactoryOrderRecord, deadline: Int64?, viewer: ConsoleViewer, message: String? = nil) -> String {
        var html = "<p><a href=\"/console/orders?sku=\(percentEncoded(record.sku ?? ""))\">← the orders of \(escape(record.sku ?? "this SKU"))</a></p>"
        if let message { html += "<p class=\"notice\">\(escape(message))</p>" }
        html += "<dl class=\"facts\"><dt>state</dt><dd>\(escape(record.status?.rawValue ?? "–"))</dd>"
        html += "<dt>quantity</dt><dd>\(cell(record.quantity))</dd><dt>factory calls</dt><dd>\(record.attempts)</dd>"
        html += "<dt>factory's id</dt><dd>\(escape(record.factoryID ?? "–"))</dd>"
        if let deadline {
            let seconds = (Double(deadline) - Date().timeIntervalSince1970 * 1000) / 1000
            html += "<dt>deadline</dt><dd\(seconds < 0 ? " class=\"bad\"" : "")>\(escape(DeadLettersPage.time(deadline)))"
            html += seconds < 0 ? " (passed \(duration(-seconds)) ago)" : " (in \(duration(seconds)))"
            html += "</dd>"
        }
        html += "</dl><h2>Timeline (UTC)</h2><ol class=\"timeline\">"
        for (time, event) in timeline(record) {
            html += "<li><time>\(escape(DeadLettersPage.time(Int64(time))))</time> \(escape(event))</li>"
        }
        html += "</ol>"
        if viewer.mayAct {
            html += "<form class=\"actions\" method=\"post\" action=\"/console/orders/act\">\(csrfField(viewer))"
            html += hidden("ref", record.order)
            if record.status == .open || record.status == .requested {
                html += "<button name=\"action\" value=\"retry\">Ask the factory again</button>"
            }
            if record.status == .open || record.status == .requested || record.status == .failed {
                html += "<button name=\"action\" value=\"cancel\" class=\"danger\">Cancel the order</button>"
            }
            html += "</form>"
        }
        html += "<h2>Every field</h2><div class=\"scroll\"><table><thead><tr><th>field</th><th>value</th></tr></thead><tbody>"
        // The callback token is the order's secret: the factory proves a delivery with it.
        for (name, value) in record.fields.sorted(by: { $0.key < $1.key }) where name != "token" {
            html += "<tr><td><code>\(escape(name))</code></td><td class=\"wrap\">\(escape(DeadLettersPage.cut(value, to: DeadLettersPage.detailCut)))</td></tr>"
        }
        html += "</tbody></table></div>"
        return page(.orders, title: "Order \(record.order)", viewer: viewer, body: html)
    }

    /// The order's events that its record dates, oldest first.
    static func timeline(_ record: FactoryOrderRecord) -> [(Int, String)] {
        let fields = record.fields
        var events: [(Int, String)] = []
        func add(_ field: String, _ text: String) {
            if let time = fields[field].flatMap({ Int($0) }) { events.append((time, text)) }
        }
        add("opened_at", "opened for \(fields["quantity"] ?? "?") units")
        add("requested_at", "requested from the factory (latest of \(record.attempts) call\(record.attempts == 1 ? "" : "s"))")
        add("last_error_at", "a factory call failed: \(fields["last_error_code"] ?? "") \(fields["last_error"] ?? "")")
        add("failed_at", "failed: its stock-empty entry became a dead letter")
        add("delivered_at", "delivered \(fields["delivered_qty"] ?? "?") units")
        add("expired_at", "expired: no delivery within its attempts")
        add("cancelled_at", "cancelled by \(fields["cancelled_by"] ?? "an operator")")
        return events.sorted { $0.0 < $1.0 }
    }
}
