import Foundation

/// Who acts from this command line, for the audit trail: the login name and the host.
enum CommandLineActor {
    static var current: String {
        let environment = ProcessInfo.processInfo.environment
        return "\(environment["USER"] ?? "unknown")@\(ProcessInfo.processInfo.hostName)"
    }
}
