// AUTH and SELECT during the connect handshake, against a server with --requirepass.

import NIOCore
import NIOPosix
import StockroomRedis
import TestSupport
import XCTest

final class AuthSelectTests: XCTestCase {
    func testPasswordAndDatabaseAreAppliedOnConnect() async throws {
        try await withRedisServer(extraArguments: ["--requirepass", "s3cr3t"]) { server in
            let base = "redis://:s3cr3t@127.0.0.1:\(server.port)"
            try await withRedisConnection(url: base + "/3") { connection in
                _ = try await connection.send(["SET", "where", "db3"]).get()
                let info = try await connection.send(["CLIENT", "INFO"]).get()
                XCTAssertTrue(info.string?.contains(" db=3 ") ?? false, "\(info)")
            }
            try await withRedisConnection(url: base) { connection in
                let inDefault = try await connection.send(["GET", "where"]).get()
                XCTAssertEqual(inDefault, .null, "the key was written to database 3, not 0")
                _ = try await connection.send(["SELECT", "3"]).get()
                let inThree = try await connection.send(["GET", "where"]).get()
                XCTAssertEqual(inThree.string, "db3")
            }
        }
    }

    func testACLUserAndPassword() async throws {
        try await withRedisServer(extraArguments: ["--requirepass", "adminpw"]) { server in
            try await withRedisConnection(url: "redis://:adminpw@127.0.0.1:\(server.port)") { admin in
                _ = try await admin.send(["ACL", "SETUSER", "alice", "on", ">alice pw", "~*", "+@all"]).get()
            }
            try await withRedisConnection(url: "redis://alice:alice%20pw@127.0.0.1:\(server.port)") { connection in
                let whoami = try await connection.send(["ACL", "WHOAMI"]).get()
                XCTAssertEqual(whoami.string, "alice")
            }
        }
    }

    func testWrongPasswordFailsConnectClearly() async throws {
        try await withRedisServer(extraArguments: ["--requirepass", "right"]) { server in
            do {
                try await withRedisConnection(url: "redis://:wrong@127.0.0.1:\(server.port)") { _ in
                    XCTFail("connect must fail with a wrong password")
                }
            } catch let error as RedisError {
                XCTAssertEqual(error.code, .errorReply)
                XCTAssertTrue(error.message.contains("AUTH failed"), error.message)
                XCTAssertTrue(error.message.contains("WRONGPASS"), error.message)
                XCTAssertTrue(error.message.contains("127.0.0.1:\(server.port)"), error.message)
                XCTAssertFalse(error.message.contains("wrong@"), "no password in messages: \(error.message)")
            }
        }
    }

    func testMissingPasswordFailsConnect() async throws {
        try await withRedisServer(extraArguments: ["--requirepass", "right"]) { server in
            do {
                try await withRedisConnection(url: "redis://127.0.0.1:\(server.port)") { _ in
                    XCTFail("connect must fail without a password")
                }
            } catch let error as RedisError {
                XCTAssertEqual(error.code, .errorReply)
                XCTAssertTrue(error.message.contains("NOAUTH"), error.message)
            }
        }
    }

    func testSelectOfMissingDatabaseFailsConnect() async throws {
        try await withRedisServer(extraArguments: ["--databases", "4"]) { server in
            do {
                try await withRedisConnection(url: "redis://127.0.0.1:\(server.port)/9") { _ in
                    XCTFail("connect must fail for database 9 of 4")
                }
            } catch let error as RedisError {
                XCTAssertEqual(error.code, .errorReply)
                XCTAssertTrue(error.message.contains("SELECT 9 failed"), error.message)
            }
        }
    }
}
