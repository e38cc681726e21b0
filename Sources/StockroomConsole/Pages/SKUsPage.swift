import StockroomCore

/// `/console/skus`: every SKU's stock, reorder settings and open order, by name, searched by prefix
/// and paged on the server; an admin adds or removes stock in one atomic step.
enum SKUsPage {
    static func render(_ skus: SKUPage, prefix: String, pageSize: Int, viewer: ConsoleViewer) -> String {
        var html = "<form class=\"filters\" method=\"get\" action=\"/console/skus\">"
        html += "<label>SKU starts with <input name=\"prefix\" value=\"\(escape(prefix))\" size=\"16\"></label>"
        html += "<button>Search</button></form>"
        html += unreachableNote(skus.unreachablePartitions, missing: "SKUs")
        if skus.levels.isEmpty {
            html += "<p>No SKU\(prefix.isEmpty ? "" : " starts with " + escape(prefix)).</p>"
        } else {
            html += "<div class=\"scroll\"><table><thead><tr><th>SKU</th><th class=\"n\">stock</th><th class=\"n\">reorder point</th>"
            html += "<th class=\"n\">reorder quantity</th><th>open order</th>\(viewer.mayAct ? "<th>change stock</th>" : "")</tr></thead><tbody>"
            for level in skus.levels {
                html += row(level, viewer: viewer)
            }
            html += "</tbody></table></div>"
        }
        if let next = skus.next {
            let query = [prefix.isEmpty ? "" : "prefix=\(percentEncoded(prefix))", "after=\(percentEncoded(next))", "size=\(pageSize)"]
                .filter { !$0.isEmpty }.joined(separator: "&")
            html += "<p><a href=\"/console/skus?\(query)\">Next →</a></p>"
        }
        return page(.skus, viewer: viewer, body: html)
    }

    /// What a stock change did: the SKU as it is now.
    static func renderChange(_ level: StockLevel, change: Int, viewer: ConsoleViewer) -> String {
        var html = "<p>Done: \(change > 0 ? "added" : "removed") \(abs(change)) unit\(abs(change) == 1 ? "" : "s") of "
        html += "<code>\(escape(level.sku))</code>; the stock is now \(level.stock).</p>"
        html += "<div class=\"scroll\"><table><thead><tr><th>SKU</th><th class=\"n\">stock</th><th class=\"n\">reorder point</th>"
        html += "<th class=\"n\">reorder quantity</th><th>open order</th><th>change stock</th></tr></thead><tbody>"
        html += row(level, viewer: viewer) + "</tbody></table></div>"
        html += "<p><a href=\"/console/skus?prefix=\(percentEncoded(level.sku))\">← SKUs</a></p>"
        return page(.skus, title: "SKUs: stock changed", viewer: viewer, body: html)
    }

    private static func row(_ level: StockLevel, viewer: ConsoleViewer) -> String {
        let orders = "/console/orders?sku=\(percentEncoded(level.sku))"
        var html = "<tr><td><a href=\"\(orders)\" title=\"its orders\"><code>\(escape(level.sku))</code></a></td>"
        html += "<td class=\"n\(level.stock == 0 ? " bad" : "")\">\(level.stock)</td><td class=\"n\">\(level.reorderPoint)</td>"
        html += "<td class=\"n\">\(level.reorderQuantity)</td><td>"
        if let order = level.openOrder {
            html += "<a href=\"/console/orders/show?ref=\(percentEncoded(order))\"><code>\(escape(order))</code></a>"
        } else {
            html += "–"
        }
        html += "</td>"
        if viewer.mayAct {
            html += "<td><form class=\"inline\" method=\"post\" action=\"/console/skus/adjust\">\(csrfField(viewer))"
            html += hidden("sku", level.sku)
            html += "<input name=\"units\" type=\"number\" min=\"1\" value=\"1\" aria-label=\"units\">"
            html += "<button name=\"change\" value=\"add\">Add</button>"
            html += "<button name=\"change\" value=\"remove\" class=\"danger\">Remove</button></form></td>"
        }
        return html + "</tr>"
    }
}
