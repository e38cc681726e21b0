/// `/console/`: sales and stock-outs per second, the factory orders, every group's backlog and dead
/// letters. The part that changes is also served alone (``live(_:)``), which the page's script
/// fetches again at the rate the operator picks.
enum OverviewPage {
    static func render(_ overview: ConsoleOverview, viewer: ConsoleViewer) -> String {
        page(.overview, viewer: viewer, body: liveRegion(from: "/console/overview/live", showing: live(overview)))
    }

    /// The page's live part.
    static func live(_ overview: ConsoleOverview) -> String {
        var html = ""
        if !overview.unreachablePartitions.isEmpty {
            let list = overview.unreachablePartitions.map(String.init).joined(separator: ", ")
            html += "<p class=\"alert\">Partitions \(list) did not answer: the figures below leave them out.</p>"
        }
        html += "<section class=\"cards\">"
        let latest = overview.rates.last
        html += card("Sales/s", latest.map { rate($0.salesPerSecond) } ?? "–", sparkline(overview.rates.map(\.salesPerSecond)))
        html += card("Stock-outs/s", latest.map { rate($0.stockOutsPerSecond) } ?? "–", sparkline(overview.rates.map(\.stockOutsPerSecond)))
        html += card("Orders waiting", String(overview.ordersWaiting), nextDeadline(overview.nextDeadline))
        html += card(
            "Orders overdue", String(overview.ordersOverdue),
            overview.ordersOverdue > 0 ? "<span class=\"bad\">past their deadline</span>" : "none past its deadline",
            alarm: overview.ordersOverdue > 0
        )
        html += "</section>"
        html += "<h2>Consumer groups</h2><div class=\"scroll\"><table><thead><tr><th>topic</th><th>group</th>"
        html += "<th class=\"n\">lag</th><th class=\"n\">pending</th><th class=\"n\">oldest pending</th><th class=\"n\">dead letters</th>"
        html += "</tr></thead><tbody>"
        for group in overview.groups {
            html += "<tr><td>\(escape(group.topic))</td><td>\(escape(group.group))</td>"
            html += "<td class=\"n\">\(cell(group.lag))</td><td class=\"n\">\(group.pending)</td>"
            html += "<td class=\"n\">\(group.oldestPendingSeconds.map(duration) ?? "–")</td>"
            html += "<td class=\"n\(group.deadLetters > 0 ? " bad" : "")\">\(group.deadLetters)</td></tr>"
        }
        html += "</tbody></table></div>"
        return html
    }

    private static func card(_ title: String, _ value: String, _ detail: String, alarm: Bool = false) -> String {
        "<div class=\"card\(alarm ? " alarm" : "")\"><h2>\(escape(title))</h2><p class=\"value\">\(escape(value))</p><div>\(detail)</div></div>"
    }

    private static func rate(_ perSecond: Double) -> String {
        perSecond >= 10 ? String(Int(perSecond.rounded())) : String(Double(Int(perSecond * 10)) / 10)
    }

    private static func nextDeadline(_ next: ConsoleOverview.NextDeadline?) -> String {
        guard let next else { return "none open" }
        let when =
            next.secondsToDeadline >= 0
            ? "deadline in \(duration(next.secondsToDeadline))" : "<span class=\"bad\">overdue by \(duration(next.secondsToDeadline))</span>"
        let age = next.ageSeconds.map { ", opened \(duration($0)) ago" } ?? ""
        return "next: \(escape(next.order))\(age), \(when)"
    }

    /// The rates over the window as an inline SVG line (no script, no external asset).
    static func sparkline(_ values: [Double]) -> String {
        guard values.count >= 2 else { return "<small>collecting…</small>" }
        let width = 160.0, height = 32.0
        let top = max(values.max() ?? 0, 1)
        let step = width / Double(values.count - 1)
        let points = values.enumerated().map { index, value in
            "\(Int(Double(index) * step)),\(Int(height - value / top * height))"
        }.joined(separator: " ")
        return "<svg class=\"spark\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" preserveAspectRatio=\"none\" role=\"img\" "
            + "aria-label=\"the last minutes\"><polyline vector-effect=\"non-scaling-stroke\" points=\"\(points)\"/></svg>"
    }
}
