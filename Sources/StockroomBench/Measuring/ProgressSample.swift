/// The running totals the live progress line is made from.
public struct ProgressSample: Sendable, Hashable {
    /// When the sample was taken (monotonic nanoseconds).
    public var nanoseconds: UInt64
    public var completed: Int
    public var errors: Int
    /// The p99 of every request so far.
    public var p99Milliseconds: Double

    public init(nanoseconds: UInt64, completed: Int, errors: Int, p99Milliseconds: Double) {
        self.nanoseconds = nanoseconds
        self.completed = completed
        self.errors = errors
        self.p99Milliseconds = p99Milliseconds
    }

    /// One progress line: the throughput since `previous`, errors and p99 so far, e.g.
    /// `  stockroom   3 s  41,234 req/s  errors 0  p99 3.210 ms`.
    public func line(since previous: ProgressSample, target: String, second: Int) -> String {
        let seconds = Double(nanoseconds &- previous.nanoseconds) / 1e9
        let rate = seconds > 0 ? Double(completed - previous.completed) / seconds : 0
        return "  \(target.padded(to: 10)) \(String(second).leftPadded(to: 3)) s  "
            + "\(Formatting.grouped(rate)) req/s  errors \(Formatting.grouped(errors))  "
            + "p99 \(Formatting.milliseconds(p99Milliseconds)) ms"
    }
}
