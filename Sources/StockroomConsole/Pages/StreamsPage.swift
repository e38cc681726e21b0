/// `/console/streams`: each topic, group and partition, with the node that holds the partition.
enum StreamsPage {
    static func render(_ rows: [ConsoleStreamRow], viewer: ConsoleViewer) -> String {
        var html = "<div class=\"scroll\"><table><thead><tr><th>topic</th><th>group</th><th class=\"n\">partition</th><th>tag</th>"
        html += "<th>node</th><th class=\"n\">length</th><th class=\"n\">lag</th><th class=\"n\">pending</th>"
        html += "<th class=\"n\">consumers</th><th class=\"n\">dead letters</th></tr></thead><tbody>"
        for row in rows {
            html += "<tr><td>\(escape(row.topic))</td><td>\(escape(row.group))</td><td class=\"n\">\(row.partition)</td>"
            html += "<td><code>\(escape(row.tag))</code></td><td>\(escape(row.node ?? "none"))</td>"
            if let failure = row.failure {
                html += "<td colspan=\"5\" class=\"bad\">unreachable: \(escape(failure))</td></tr>"
                continue
            }
            html += "<td class=\"n\">\(cell(row.length))</td><td class=\"n\">\(cell(row.lag))</td><td class=\"n\">\(cell(row.pending))</td>"
            html += "<td class=\"n\">\(cell(row.consumers))</td>"
            html += "<td class=\"n\((row.deadLetters ?? 0) > 0 ? " bad" : "")\">\(cell(row.deadLetters))</td></tr>"
        }
        html += "</tbody></table></div>"
        return page(.streams, viewer: viewer, body: html)
    }
}
