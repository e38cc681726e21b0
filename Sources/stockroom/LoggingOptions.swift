import ArgumentParser
import Foundation
import Logging

/// `--log-level`, defaulting to LOG_LEVEL, then `info`. Logs go to standard error.
struct LoggingOptions: ParsableArguments {
    @Option(help: "trace, debug, info, notice, warning, error or critical (default: $LOG_LEVEL, else info).")
    var logLevel: String?

    func makeLogger(label: String) throws -> Logger {
        let text = logLevel ?? ProcessInfo.processInfo.environment["LOG_LEVEL"] ?? "info"
        guard let level = Logger.Level(rawValue: text.lowercased()) else {
            throw ValidationError("unknown log level \"\(text)\"")
        }
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        return Logger(label: label)
    }
}
