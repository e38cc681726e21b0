/// The table printed at the end of a run: one row per target, then its answers and errors by code.
public enum ResultTable {
    public static let header =
        "target          req/s    p50 ms    p90 ms    p99 ms  p99.9 ms    max ms    errors"

    public static func render(_ results: [TargetResult]) -> String {
        var lines = [header]
        for result in results {
            let latency = result.latencyMs
            let cells = [latency.p50, latency.p90, latency.p99, latency.p999, latency.max].map {
                Formatting.milliseconds($0).leftPadded(to: 9)
            }
            lines.append(
                result.target.padded(to: 10) + Formatting.grouped(result.throughput).leftPadded(to: 11) + " "
                    + cells.joined(separator: " ") + Formatting.grouped(result.errors.values.reduce(0, +)).leftPadded(to: 10)
            )
        }
        for result in results {
            lines.append("\(result.target): \(Formatting.grouped(result.requests)) requests in \(String(format: "%.2f", result.elapsedSeconds)) s; "
                + "results \(codes(result.results)); errors \(result.errors.isEmpty ? "none" : codes(result.errors)); "
                + "harness CPU \(String(format: "%.1f", result.harnessCpuMicrosecondsPerRequest)) µs/request"
                + (result.serverCpuMicrosecondsPerRequest.map { "; server CPU \(String(format: "%.1f", $0)) µs/request" } ?? "")
                + (result.redisCpuMicrosecondsPerRequest.map { "; Redis CPU \(String(format: "%.1f", $0)) µs/request" } ?? ""))
            if result.latenciesClamped > 0 {
                lines.append("\(result.target): \(result.latenciesClamped) latencies above 60 s were counted as 60 s")
            }
        }
        return lines.joined(separator: "\n")
    }

    /// `SOLD 206,170  OUT_OF_STOCK 12`: most frequent first, then by name.
    static func codes(_ counts: [String: Int]) -> String {
        counts.sorted { ($0.value, $1.key) > ($1.value, $0.key) }
            .map { "\($0.key) \(Formatting.grouped($0.value))" }
            .joined(separator: "  ")
    }
}
