import Foundation
@testable import StockroomServer
import StockroomWire
import XCTest

/// The credentials file keeps hashes, refuses what it cannot trust, and is written atomically.
final class CredentialFileTests: XCTestCase {
    private var directory = ""

    override func setUpWithError() throws {
        directory = NSTemporaryDirectory() + "stockroom-credentials-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: directory)
    }

    func testAddKeepsOnlyTheHashAndTheTokenWorks() throws {
        let path = directory + "/credentials"
        let token = try CredentialFile.add(name: "shop-frontend", role: .sales, to: path)
        let adminToken = try CredentialFile.add(name: "ann@ops", role: .admin, to: path)
        XCTAssertTrue(token.hasPrefix("sr_") && token.count == 46, token)
        XCTAssertNotEqual(token, adminToken)

        let text = try String(contentsOfFile: path, encoding: .utf8)
        XCTAssertFalse(text.contains(token), "the file never holds a token")
        XCTAssertTrue(text.contains("shop-frontend sales \(Credential.hash(token))\n"), text)
        let mode = try XCTUnwrap(FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int)
        XCTAssertEqual(mode & 0o777, 0o600)

        let credentials = try CredentialFile.read(path)
        XCTAssertEqual(credentials.credential(for: token)?.name, "shop-frontend")
        XCTAssertEqual(credentials.credential(for: adminToken)?.role, .admin)
        XCTAssertNil(credentials.credential(for: token + "x"))
        XCTAssertNil(credentials.credential(for: Credential.hash(token)), "the hash itself is not a token")
    }

    func testNamesAreUniqueAndRemovalRevokes() throws {
        let path = directory + "/credentials"
        let token = try CredentialFile.add(name: "pos-1", role: .sales, to: path)
        XCTAssertThrowsError(try CredentialFile.add(name: "pos-1", role: .admin, to: path)) { error in
            XCTAssertTrue("\(error)".contains("already has a credential named pos-1"), "\(error)")
        }
        XCTAssertThrowsError(try CredentialFile.add(name: "bad name", role: .sales, to: path))
        try CredentialFile.remove(name: "pos-1", from: path)
        XCTAssertNil(try CredentialFile.read(path).credential(for: token))
        XCTAssertThrowsError(try CredentialFile.remove(name: "pos-1", from: path))
    }

    func testAMalformedLineIsRefusedWithItsPlace() throws {
        let hash = String(repeating: "a", count: 64)
        let cases: [(String, String)] = [
            ("a sales\n", "f:1: expected NAME ROLE SHA256"),
            ("# comment\n\na root \(hash)\n", "f:3: the role is sales, admin or ops, not root"),
            ("a sales \(hash.uppercased())\n", "f:1: the token hash is 64 lower-case hex digits"),
            ("a sales \(hash)\na ops \(hash)\n", "f:2: the name a appears twice"),
        ]
        for (text, expected) in cases {
            XCTAssertThrowsError(try CredentialFile.parse(text, path: "f")) { error in
                XCTAssertTrue("\(error)".hasPrefix(expected), "\(error)")
            }
        }
        XCTAssertEqual(try CredentialFile.parse("# only comments\n", path: "f"), [])
    }

    func testAFileOthersMayWriteIsRefused() throws {
        let path = directory + "/credentials"
        _ = try CredentialFile.add(name: "pos-1", role: .sales, to: path)
        chmod(path, 0o666)
        XCTAssertThrowsError(try CredentialFile.read(path)) { error in
            XCTAssertTrue("\(error)".contains("chmod 600"), "\(error)")
        }
    }

    func testAReloadNeverOpensAServerThatRequiresAuthentication() throws {
        let store = CredentialStore(Credentials(salesToken: "s", adminToken: nil))
        XCTAssertThrowsError(try store.replace(with: Credentials()))
        XCTAssertTrue(store.current.authenticationRequired)
        let (credential, token) = Credential.generate(name: "new", role: .ops)
        try store.replace(with: Credentials([credential]))
        XCTAssertEqual(store.current.credential(for: token)?.role, .ops)
        XCTAssertNil(store.current.credential(for: "s"), "the old ones are gone")
    }
}
