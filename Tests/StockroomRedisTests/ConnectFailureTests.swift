// Connecting to an address where no Redis listens.

import StockroomRedis
import TestSupport
import XCTest

final class ConnectFailureTests: XCTestCase {
    func testClosedPortFailsConnectClearly() async throws {
        let port = try freeLoopbackPort()
        var configuration = try RedisConfiguration(url: "redis://127.0.0.1:\(port)")
        configuration.connectTimeout = .seconds(30)  // a refused connect must not wait for this
        do {
            try await withRedisConnection(configuration: configuration) { _ in
                XCTFail("nothing listens on port \(port)")
            }
        } catch let error as RedisError {
            XCTAssertEqual(error.code, .notConnected)
            XCTAssertTrue(error.message.contains("cannot connect to Redis at redis://127.0.0.1:\(port)"), error.message)
            XCTAssertNotNil(error.underlying)
            XCTAssertTrue("\(error)".lowercased().contains("refused"), "\(error)")
        }
    }

    func testHostNameIsResolved() async throws {
        let url = try await TestRedis.sharedURL()
        var configuration = try RedisConfiguration(url: url)
        guard configuration.host == "127.0.0.1" else {
            throw XCTSkip("the shared Redis is not on 127.0.0.1")
        }
        configuration.host = "localhost"
        try await withRedisConnection(configuration: configuration) { connection in
            let pong = try await connection.send(["PING"]).get()
            XCTAssertEqual(pong.string, "PONG")
        }
    }
}
