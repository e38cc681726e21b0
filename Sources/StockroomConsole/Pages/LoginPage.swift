/// `/console/login`: a token for a session cookie.
enum LoginPage {
    static func render(message: String? = nil, credentialsConfigured: Bool) -> String {
        guard credentialsConfigured else {
            return page(
                nil, title: "Log in", viewer: nil,
                body: "<p>No credentials are configured: the console is read-only and answers loopback callers only. "
                    + "<a href=\"/console/\">Open it</a>.</p>"
            )
        }
        var html = message.map { "<p class=\"alert\">\(escape($0))</p>" } ?? ""
        html += "<form class=\"login\" method=\"post\" action=\"/console/login\">"
        html += "<label>An ops or admin token (<code>stockroom credentials add</code>) "
        html += "<input type=\"password\" name=\"token\" autocomplete=\"current-password\" required autofocus></label>"
        html += "<button>Log in</button></form>"
        return page(nil, title: "Log in", viewer: nil, body: html)
    }
}
