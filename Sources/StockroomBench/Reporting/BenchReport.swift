import Foundation

/// The JSON file `--json` writes: whichever parts the run made.
public struct BenchReport: Sendable, Codable {
    public var stockroom: TargetResult?
    public var redis: TargetResult?
    /// Stockroom over Redis, when both ran (`--compare`).
    public var ratio: TargetRatio?
    /// `stockroom-bench ceiling`: redis-benchmark running a script straight on Redis.
    public var ceiling: CeilingResult?
    /// `stockroom-bench idle`: the server's memory with many idle connections.
    public var idle: IdleResult?

    public init(ceiling: CeilingResult? = nil, idle: IdleResult? = nil) {
        self.ceiling = ceiling
        self.idle = idle
    }

    /// The targets' results in the order they ran.
    public var targets: [TargetResult] { [stockroom, redis].compactMap { $0 } }

    public func write(to path: String) throws {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(self).write(to: URL(fileURLWithPath: path))
    }

    /// Writes the report to `path` and says so; nothing without a path (no `--json`).
    public func save(to path: String?) throws {
        guard let path else { return }
        try write(to: path)
        Console.say("wrote \(path)")
    }

    public static func read(from path: String) throws -> BenchReport {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        do {
            return try decoder.decode(BenchReport.self, from: try Data(contentsOf: URL(fileURLWithPath: path)))
        } catch {
            throw BenchError("cannot read \(path) as a stockroom-bench JSON report: \(error)")
        }
    }
}
