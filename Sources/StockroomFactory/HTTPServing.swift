import Hummingbird
import Logging

/// Runs a Hummingbird router on `host:port` until graceful shutdown, reporting the bound port.
enum HTTPServing {
    static func run(
        router: Router<BasicRequestContext>,
        host: String,
        port: Int,
        serverName: String,
        listening: ListeningPort,
        logger: Logger
    ) async throws {
        let application = Application(
            router: router,
            configuration: ApplicationConfiguration(address: .hostname(host, port: port), serverName: serverName),
            onServerRunning: { channel in
                let bound = channel.localAddress?.port ?? port
                logger.info("listening", metadata: ["sr.http.host": "\(host)", "sr.http.port": "\(bound)"])
                await listening.listening(on: bound)
            },
            logger: logger
        )
        do {
            try await application.run()
        } catch {
            await listening.failed(HTTPServiceError(message: "\(serverName) on \(host):\(port) failed", underlying: error))
            throw error
        }
        await listening.failed(HTTPServiceError(message: "\(serverName) on \(host):\(port) stopped"))
    }
}

/// A small JSON answer; the values are strings, so encoding cannot fail.
func jsonResponse(_ status: HTTPResponse.Status, _ object: [String: String]) -> Response {
    var text = "{"
    for (index, key) in object.keys.sorted().enumerated() {
        if index > 0 { text += "," }
        text += jsonString(key) + ":" + jsonString(object[key] ?? "")
    }
    text += "}"
    return Response(
        status: status,
        headers: [.contentType: "application/json"],
        body: ResponseBody(byteBuffer: ByteBuffer(string: text))
    )
}

/// `text` as a JSON string literal.
func jsonString(_ text: String) -> String {
    var out = "\""
    for scalar in text.unicodeScalars {
        switch scalar {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        case _ where scalar.value < 0x20:
            let hex = String(scalar.value, radix: 16)
            out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
        default: out.unicodeScalars.append(scalar)
        }
    }
    return out + "\""
}
