import Foundation
import Prometheus
@testable import StockroomApp
import StockroomRedis
import TestSupport
import XCTest

final class DurabilityTests: XCTestCase {
    /// What an external Redis's settings mean for acknowledged sales, decided without a Redis.
    func testOnlyAnAppendOnlyFileForcedBeforeEveryAnswerLosesNothing() {
        XCTAssertNil(PersistenceAssessment(appendOnly: "yes", appendFsync: "always").warning)
        let everysec = PersistenceAssessment(appendOnly: "yes", appendFsync: "everysec").warning
        XCTAssertTrue(everysec?.contains("crash of the machine") == true, everysec ?? "no warning")
        let no = PersistenceAssessment(appendOnly: "no", appendFsync: "always").warning
        XCTAssertTrue(no?.contains("no append-only file") == true, no ?? "no warning")
        let unknown = PersistenceAssessment(appendOnly: nil, appendFsync: nil).warning
        XCTAssertTrue(unknown?.contains("cannot read") == true, unknown ?? "no warning")
    }

    /// The embedded Redis keeps an append-only file and forces it to disk before every answer,
    /// unless the configuration chooses everysec.
    func testTheEmbeddedRedisForcesEverySaleToDiskUnlessToldOtherwise() async throws {
        for durability in [Durability.always, .everysec] {
            let dataDirectory = FileManager.default.temporaryDirectory.appendingPathComponent("stockroom-durability-\(UUID().uuidString)")
            defer { try? FileManager.default.removeItem(at: dataDirectory) }
            var configuration = StockroomConfiguration()
            configuration.dataDirectory = dataDirectory.path
            configuration.threads = 1
            configuration.server?.listen?.port = 0
            if durability != StockroomConfiguration().durability { configuration.durability = durability }
            try await StockroomProcess.with(configuration, registry: PrometheusCollectorRegistry(), logger: testLogger()) { process in
                try await withRedisConnection(url: process.redisURL) { redis in
                    let appendOnly = try await redis.send(["CONFIG", "GET", "appendonly"]).get().array?.last?.string
                    let appendFsync = try await redis.send(["CONFIG", "GET", "appendfsync"]).get().array?.last?.string
                    XCTAssertEqual(appendOnly, "yes")
                    XCTAssertEqual(appendFsync, durability.rawValue)
                }
            }
        }
        XCTAssertEqual(StockroomConfiguration().durability, .always, "the default loses nothing acknowledged")
    }

    /// `--sync-replicas` against the replicas Redis has, decided without a Redis.
    func testTooFewReplicasForSyncReplicasIsWarnedAbout() {
        XCTAssertNil(ReplicaAssessment.warning(connected: 0, required: 0))
        XCTAssertNil(ReplicaAssessment.warning(connected: 1, required: 1))
        XCTAssertNil(ReplicaAssessment.warning(connected: 2, required: 1))
        XCTAssertEqual(ReplicaAssessment.warning(connected: 0, required: 1)?.contains("0 connected replicas"), true)
        XCTAssertEqual(ReplicaAssessment.warning(connected: nil, required: 1)?.contains("INFO replication refused"), true)
    }
}
