@testable import StockroomConsole
import StockroomCore
import StockroomTLS
import TestSupport
import XCTest

/// `stockroom console --tls-cert --tls-key`: HTTPS only, through the system's OpenSSL, and its
/// session cookie is `Secure`. curl is the browser here: it checks the certificate against the CA.
final class ConsoleTLSTests: XCTestCase {
    private func curl(_ arguments: [String]) throws -> String {
        let process = try ChildProcess("/usr/bin/curl", ["-s", "-S", "--max-time", "10"] + arguments)
        process.closeInput()
        // Waits for the end of its output (nil then), then for its exit.
        _ = process.waitForOutput(timeout: 15) { _ in false }
        XCTAssertNotNil(process.waitForExit(timeout: 15), "curl ended")
        return process.outputText
    }

    func testOverTLSTheConsoleAnswersHTTPSAndItsSessionCookieIsSecure() async throws {
        try await withTestCertificates { certificates in
            try await withFactoryEnvironment { env in
                let tls = try TLSContext(
                    configuration: .server(certificateChainFile: certificates.serverCertificate, privateKeyFile: certificates.serverKey), role: .server
                )
                let service = ConsoleService(
                    host: "127.0.0.1", port: 0, data: ConsoleData(keys: env.keys, redis: env.redis), access: ConsoleTests.credentials,
                    tls: tls, logger: testLogger()
                )
                try await withServices([service]) {
                    let base = "https://127.0.0.1:\(try await service.listening.port())/console"
                    let login = try curl(["--cacert", certificates.caCertificate, "-D", "-", "-o", "/dev/null", "-d", "token=admin-token", base + "/login"])
                    XCTAssertTrue(login.hasPrefix("HTTP/1.1 303"), login)
                    let cookie = try XCTUnwrap(login.split(separator: "\r\n").first { $0.lowercased().hasPrefix("set-cookie:") })
                    XCTAssertTrue(cookie.hasSuffix("; Secure"), "\(cookie)")
                    let session = String(cookie.dropFirst("set-cookie: ".count).prefix { $0 != ";" })
                    let page = try curl(["--cacert", certificates.caCertificate, "-b", session, base + "/skus"])
                    XCTAssertTrue(page.contains("<h1>SKUs</h1>"), page)

                    let untrusted = try curl(["-o", "/dev/null", "-w", "%{http_code}", base + "/login"])
                    XCTAssertTrue(untrusted.contains("000"), "a client that does not trust the CA gets no page: \(untrusted)")
                    let plain = try curl(["-o", "/dev/null", "-w", "%{http_code}", "http://127.0.0.1:\(try await service.listening.port())/console/login"])
                    XCTAssertFalse(plain.hasPrefix("200"), "no plain HTTP on a TLS console: \(plain)")
                }
            }
        }
    }
}
