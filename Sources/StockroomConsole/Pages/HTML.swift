import Foundation

/// Escapes text for HTML element content and quoted attribute values.
func escape(_ text: String) -> String {
    var escaped = ""
    escaped.reserveCapacity(text.utf8.count)
    for character in text {
        switch character {
        case "&": escaped += "&amp;"
        case "<": escaped += "&lt;"
        case ">": escaped += "&gt;"
        case "\"": escaped += "&quot;"
        case "'": escaped += "&#39;"
        default: escaped.append(character)
        }
    }
    return escaped
}

/// The console's pages, by path: the navigation and the contract scripts rely on.
enum ConsolePage: String, CaseIterable, Sendable {
    case overview = "/console/"
    case skus = "/console/skus"
    case orders = "/console/orders"
    case streams = "/console/streams"
    case deadLetters = "/console/dead-letters"
    case audit = "/console/audit"

    var title: String {
        switch self {
        case .overview: "Overview"
        case .skus: "SKUs"
        case .orders: "Orders"
        case .streams: "Streams and groups"
        case .deadLetters: "Dead letters"
        case .audit: "Audit"
        }
    }
}

/// The frame every page shares: head, navigation, who is logged in, the page's own body.
func page(_ current: ConsolePage?, title: String? = nil, viewer: ConsoleViewer?, body: String) -> String {
    let navigation = ConsolePage.allCases.map { page in
        let marker = page == current ? " aria-current=\"page\"" : ""
        return "<a href=\"\(page.rawValue)\"\(marker)>\(escape(page.title))</a>"
    }.joined()
    var who = ""
    if let viewer {
        if let session = viewer.session {
            who = "<form class=\"who\" method=\"post\" action=\"/console/logout\">\(escape(session.user.name))"
                + (session.user.mayAct ? " (admin)" : " (ops)") + csrfField(viewer) + " <button>Log out</button></form>"
        } else if let user = viewer.user {
            who = "<span class=\"who\">\(escape(user.name))</span>"
        } else {
            who = "<span class=\"who\">read-only: no credentials</span>"
        }
    }
    let heading = title ?? current?.title ?? "Stockroom"
    return """
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>\(escape(heading)) · Stockroom</title>
        <link rel="stylesheet" href="/console/assets/console.css">
        </head>
        <body>
        <header><strong>Stockroom</strong><nav>\(navigation)</nav>\(who)</header>
        <main>
        <h1>\(escape(heading))</h1>
        \(body)
        </main>
        <script src="/console/assets/console.js"></script>
        </body>
        </html>

        """
}

/// The hidden CSRF field a form that changes something carries, for a viewer with a session.
func csrfField(_ viewer: ConsoleViewer) -> String {
    viewer.session.map { hidden("csrf", $0.csrfToken) } ?? ""
}

/// A part of a page that the console's script fetches again from `endpoint` at the rate the operator
/// picks (kept in the browser), with the picker above it. One request per refresh, for the whole part.
func liveRegion(from endpoint: String, showing content: String) -> String {
    """
    <p class="controls">Refresh every <select id="refresh" data-live="\(escape(endpoint))">
    <option value="0">never</option><option value="2">2 s</option><option value="5" selected>5 s</option>
    <option value="15">15 s</option><option value="60">60 s</option></select></p>
    <div id="live">\(content)</div>
    """
}

/// The partitions a page could not read, said above its table; "" when every one answered.
func unreachableNote(_ partitions: [Int], missing: String) -> String {
    guard !partitions.isEmpty else { return "" }
    let list = partitions.map(String.init).joined(separator: ", ")
    return "<p class=\"alert\">Partitions \(list) did not answer: their \(missing) are not listed.</p>"
}

/// A hidden form field.
func hidden(_ name: String, _ value: String) -> String {
    "<input type=\"hidden\" name=\"\(escape(name))\" value=\"\(escape(value))\">"
}

/// A number for a table cell: "–" when unknown.
func cell(_ value: Int?) -> String { value.map { String($0) } ?? "–" }

/// Seconds as people read them: `850 ms`, `12 s`, `4 min`, `2.5 h`.
func duration(_ seconds: Double) -> String {
    let magnitude = abs(seconds)
    switch magnitude {
    case ..<1: return "\(Int(magnitude * 1000)) ms"
    case ..<120: return "\(Int(magnitude)) s"
    case ..<7200: return "\(Int(magnitude / 60)) min"
    default: return String(format: "%.1f h", magnitude / 3600)
    }
}
