import StockroomCore
import StockroomPipeline
import StockroomRedis

/// Sales and stock-outs per second over the last minutes, for the console's overview.
///
/// Each sample reads `XINFO STREAM` of the `sales` and `stock-empty` streams of every partition: its
/// `entries-added` counts every entry ever appended, trimming or not, so two samples give the events
/// in between. That is 2 × partitions commands per sample, whatever the data holds. Samples are taken
/// when a page asks, at most one per ``minimumSpacing``, and kept for ``window``.
public actor StreamRates {
    public struct Sample: Sendable, Hashable, Codable {
        /// Seconds since 1970, Redis's clock.
        public var at: Double
        public var sales: Int64
        public var stockOuts: Int64
    }

    /// Events per second between two consecutive samples, dated by the later one.
    public struct Rate: Sendable, Hashable, Codable {
        public var at: Double
        public var salesPerSecond: Double
        public var stockOutsPerSecond: Double
    }

    public static let window: Double = 10 * 60
    public static let minimumSpacing: Double = 1

    private let keys: KeySpace
    private let redis: RedisConnection
    private var samples: [Sample] = []

    public init(keys: KeySpace, redis: RedisConnection) {
        self.keys = keys
        self.redis = redis
    }

    /// Takes a sample unless the last one is recent, and returns the rates over the window, oldest first.
    public func rates() async throws -> [Rate] {
        let now = Double(try await PipelineStatus.redisMilliseconds(on: redis)) / 1000
        if samples.last.map({ now - $0.at >= Self.minimumSpacing }) ?? true {
            let sample = Sample(at: now, sales: try await added(.sales), stockOuts: try await added(.stockEmpty))
            samples.append(sample)
            samples.removeAll { now - $0.at > Self.window }
        }
        return Self.rates(samples)
    }

    static func rates(_ samples: [Sample]) -> [Rate] {
        zip(samples, samples.dropFirst()).compactMap { earlier, later in
            let seconds = later.at - earlier.at
            guard seconds > 0 else { return nil }
            return Rate(
                at: later.at,
                salesPerSecond: Double(max(later.sales - earlier.sales, 0)) / seconds,
                stockOutsPerSecond: Double(max(later.stockOuts - earlier.stockOuts, 0)) / seconds
            )
        }
    }

    /// `entries-added` summed over the topic's partition streams (a missing stream counts 0).
    private func added(_ topic: Topic) async throws -> Int64 {
        var total: Int64 = 0
        for stream in keys.streams(topic) {
            do {
                let reply = try await redis.send(["XINFO", "STREAM", stream]).get()
                total += Self.entriesAdded(in: reply) ?? 0
            } catch let error as RedisError where error.code == .errorReply && error.message.contains("no such key") {
                continue
            }
        }
        return total
    }

    /// The `entries-added` field of an `XINFO STREAM` reply (a flat name/value array).
    static func entriesAdded(in reply: RESPValue) -> Int64? {
        guard let flat = reply.array else { return nil }
        var index = 0
        while index + 1 < flat.count {
            if flat[index].string == "entries-added" { return flat[index + 1].int }
            index += 2
        }
        return nil
    }
}
