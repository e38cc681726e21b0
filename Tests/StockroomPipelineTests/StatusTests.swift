import StockroomCore
import StockroomPipeline
import StockroomRedis
import TestSupport
import XCTest

final class StatusTests: XCTestCase {
    func testStatusReportsLengthLagPendingAndDeadLetters() async throws {
        try await Pipeline.with { pipeline in
            try await pipeline.createGroup(.factory)
            var streams: [String] = []
            for n in 0..<4 { streams.append(try await pipeline.append(.stockEmpty, sku: "ST-\(n)").stream) }
            // One entry delivered by hand and never acknowledged.
            let first = streams[0]
            _ = try await pipeline.redis.send(["XREADGROUP", "GROUP", "factory", "c1", "COUNT", "1", "STREAMS", first, ">"]).get()

            let statuses = try await PipelineStatus.read(
                keys: pipeline.keys, redis: pipeline.redis, subscriptions: [.factory, .opsStockEmpty]
            )
            let factory = try XCTUnwrap(statuses.first { $0.subscription == .factory })
            XCTAssertEqual(factory.length, 4)
            XCTAssertEqual(factory.lagIfKnown, 3)
            XCTAssertEqual(factory.pending, 1)
            XCTAssertEqual(factory.consumers, 1)
            XCTAssertNotNil(factory.oldestPendingAge)
            XCTAssertEqual(factory.deadLetters, 0)
            XCTAssertTrue(factory.groupExists)
            XCTAssertTrue(factory.description.hasPrefix("stock-empty/factory: length=4 lag=3 pending=1"), factory.description)
            let ops = try XCTUnwrap(statuses.first { $0.subscription == .opsStockEmpty })
            XCTAssertFalse(ops.groupExists, "no ops worker has created its group")
            XCTAssertEqual(ops.length, 4)
        }
    }
}
