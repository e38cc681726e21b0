/// One metric family as Prometheus shows it: its name, in base units (`_seconds`, `_total` for a
/// counter), and its HELP text.
///
/// Each module declares its families beside the code that records them, and records by
/// ``name``; the app hands every module's families to the Prometheus factory, which writes the help
/// into `/metrics` (swift-metrics itself carries no help text).
public struct MetricFamily: Sendable, Hashable {
    public let name: String
    public let help: String

    public init(_ name: String, help: String) {
        self.name = name
        self.help = help
    }
}
