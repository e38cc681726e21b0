import NIOCore
import StockroomClient

/// Holds many idle connections open on a server (HELLO and AUTH done, then nothing) and samples
/// the server's resident memory meanwhile: the issue's "RSS with 10,000 idle connections" line.
public struct IdleConnections: Sendable {
    public var configuration: StockroomClientConfiguration
    public var connections: Int
    public var holdSeconds: Int
    public var sampleEverySeconds: Int
    public var server: ServerProcess?

    public init(configuration: StockroomClientConfiguration, connections: Int, holdSeconds: Int, sampleEverySeconds: Int, server: ServerProcess?) {
        self.configuration = configuration
        self.connections = connections
        self.holdSeconds = holdSeconds
        self.sampleEverySeconds = sampleEverySeconds
        self.server = server
    }

    /// Connections are opened by this many clients at once, each opening its share one by one.
    static let openers = 50

    public func run(group: any EventLoopGroup, say: @escaping @Sendable (String) -> Void) async throws -> IdleResult {
        let rssBefore = try server?.residentBytes()
        let started = ContinuousClock.now
        let clients = try await openConnections(group: group)
        let openSeconds = (ContinuousClock.now - started).inSeconds
        say("idle: \(Formatting.grouped(connections)) connections open in \(String(format: "%.1f", openSeconds)) s")

        var samples: [IdleResult.Sample] = []
        let held = ContinuousClock.now
        while true {
            let elapsed = (ContinuousClock.now - held).inSeconds
            if let server {
                let sample = IdleResult.Sample(seconds: elapsed, rss: try server.residentBytes(), descriptors: try server.openDescriptors())
                samples.append(sample)
                say("idle: \(String(format: "%5.0f", elapsed)) s  server RSS \(Formatting.mebibytes(sample.rss)) MiB  descriptors \(Formatting.grouped(sample.descriptors))")
            }
            if elapsed >= Double(holdSeconds) { break }
            try await Task.sleep(for: .seconds(min(sampleEverySeconds, max(1, holdSeconds - Int(elapsed)))))
        }
        for client in clients { await client.close() }
        return IdleResult(connections: connections, openSeconds: openSeconds, holdSeconds: holdSeconds, rssBefore: rssBefore, samples: samples)
    }

    private func openConnections(group: any EventLoopGroup) async throws -> [StockroomClient] {
        let openers = min(Self.openers, connections)
        let shares = (0..<openers).map { connections / openers + ($0 < connections % openers ? 1 : 0) }
        let configuration = self.configuration
        return try await concurrentMap(shares, limit: openers) { share in
            var shareConfiguration = configuration
            shareConfiguration.connections = share
            return try await StockroomClient.connect(shareConfiguration, group: group)
        }
    }
}

/// The JSON report's `idle` object.
public struct IdleResult: Sendable, Codable {
    public struct Sample: Sendable, Codable, Hashable {
        /// Since all connections were open.
        public var seconds: Double
        /// The server's resident memory, bytes.
        public var rss: Int
        public var descriptors: Int
    }

    public var connections: Int
    public var openSeconds: Double
    public var holdSeconds: Int
    /// The server's resident memory before the connections opened, bytes (nil without `--server-pid`).
    public var rssBefore: Int?
    public var samples: [Sample]
    /// Resident memory with the connections open (the first sample), and its change to the last.
    public let rssOpen: Int?
    public let rssGrowth: Int?

    public init(connections: Int, openSeconds: Double, holdSeconds: Int, rssBefore: Int?, samples: [Sample]) {
        self.connections = connections
        self.openSeconds = openSeconds
        self.holdSeconds = holdSeconds
        self.rssBefore = rssBefore
        self.samples = samples
        self.rssOpen = samples.first?.rss
        self.rssGrowth = samples.last.flatMap { last in samples.first.map { last.rss - $0.rss } }
    }

    /// `idle: 10,000 connections: server RSS 45.1 MiB before, 88.0 MiB open, +0.1 MiB over 20 s`.
    public var line: String {
        guard let rssOpen, let rssGrowth, let last = samples.last else {
            return "idle: \(Formatting.grouped(connections)) connections held \(holdSeconds) s (no --server-pid: RSS not read)"
        }
        let before = rssBefore.map { "\(Formatting.mebibytes($0)) MiB before, " } ?? ""
        return "idle: \(Formatting.grouped(connections)) connections: server RSS \(before)\(Formatting.mebibytes(rssOpen)) MiB open, "
            + "\(rssGrowth >= 0 ? "+" : "")\(Formatting.mebibytes(rssGrowth)) MiB over \(Int(last.seconds)) s"
    }
}

extension Duration {
    var inSeconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
