// Tests of redis:// URL parsing and of the password-free `url` rendering.

import StockroomRedis
import XCTest

final class RedisConfigurationURLTests: XCTestCase {
    func testFullURL() throws {
        let configuration = try RedisConfiguration(url: "redis://alice:s3cret@redis.example:6380/2")
        XCTAssertEqual(configuration.host, "redis.example")
        XCTAssertEqual(configuration.port, 6380)
        XCTAssertEqual(configuration.username, "alice")
        XCTAssertEqual(configuration.password, "s3cret")
        XCTAssertEqual(configuration.database, 2)
        XCTAssertEqual(configuration.url, "redis://alice@redis.example:6380/2")
        XCTAssertFalse(configuration.url.contains("s3cret"))
    }

    func testHostOnlyDefaultsToPort6379AndDatabase0() throws {
        let configuration = try RedisConfiguration(url: "redis://localhost")
        XCTAssertEqual(configuration.host, "localhost")
        XCTAssertEqual(configuration.port, 6379)
        XCTAssertEqual(configuration.database, 0)
        XCTAssertNil(configuration.username)
        XCTAssertNil(configuration.password)
        XCTAssertEqual(configuration.url, "redis://localhost:6379")
    }

    func testPasswordOnly() throws {
        let configuration = try RedisConfiguration(url: "redis://:pw@127.0.0.1:7000")
        XCTAssertNil(configuration.username)
        XCTAssertEqual(configuration.password, "pw")
        XCTAssertEqual(configuration.port, 7000)
        XCTAssertEqual(configuration.url, "redis://127.0.0.1:7000")
    }

    func testPercentDecodingOfUserAndPassword() throws {
        let configuration = try RedisConfiguration(url: "redis://us%65r%2B1:p%40ss%3Aw%2Fo%25rd@h:1/0")
        XCTAssertEqual(configuration.username, "user+1")
        XCTAssertEqual(configuration.password, "p@ss:w/o%rd")
        XCTAssertEqual(configuration.url, "redis://user%2B1@h:1")
    }

    func testTrailingSlashAndUpperCaseScheme() throws {
        let configuration = try RedisConfiguration(url: "REDIS://h:1234/")
        XCTAssertEqual(configuration.host, "h")
        XCTAssertEqual(configuration.port, 1234)
        XCTAssertEqual(configuration.database, 0)
    }

    func testIPv6Host() throws {
        let configuration = try RedisConfiguration(url: "redis://[::1]:7001/5")
        XCTAssertEqual(configuration.host, "::1")
        XCTAssertEqual(configuration.port, 7001)
        XCTAssertEqual(configuration.database, 5)
        XCTAssertEqual(configuration.url, "redis://[::1]:7001/5")
        XCTAssertEqual(try RedisConfiguration(url: "redis://[::1]").port, 6379)
    }

    func testBadURLsThrowInvalidURL() {
        let bad = [
            "",
            "localhost:6379",
            "http://localhost",
            "rediss://localhost",
            "redis://",
            "redis://:6379",
            "redis://h:",
            "redis://h:0",
            "redis://h:65536",
            "redis://h:12ab",
            "redis://h:+12",
            "redis://h/db",
            "redis://h/-1",
            "redis://h?timeout=1",
            "redis://h#x",
            "redis://h ost",
            "redis://a:b:c",
            "redis://[::1",
            "redis://[::1]x",
            "redis://user@h",
            "redis://u:%zz@h",
            "redis://u:%4@h",
        ]
        for url in bad {
            XCTAssertThrowsError(try RedisConfiguration(url: url), "\(url) should be rejected") { error in
                guard let error = error as? RedisError else {
                    return XCTFail("\(url): not a RedisError: \(error)")
                }
                XCTAssertEqual(error.code, .invalidURL, url)
                XCTAssertTrue(error.message.contains("redis://"), "message should show the expected form: \(error.message)")
            }
        }
    }

    func testErrorMessagesNeverContainThePassword() {
        XCTAssertThrowsError(try RedisConfiguration(url: "redis://u:topsecret@h:99999")) { error in
            XCTAssertEqual((error as? RedisError)?.code, .invalidURL)
            XCTAssertFalse("\(error)".contains("topsecret"), "\(error)")
        }
    }

    func testDefaults() {
        let configuration = RedisConfiguration()
        XCTAssertEqual(configuration.host, "127.0.0.1")
        XCTAssertEqual(configuration.port, 6379)
        XCTAssertEqual(configuration.connectTimeout, .seconds(2))
        XCTAssertEqual(configuration.commandTimeout, .seconds(5))
        XCTAssertEqual(configuration.reconnectBackoff.initial, .milliseconds(50))
        XCTAssertTrue(configuration.scripts.isEmpty)
    }
}
