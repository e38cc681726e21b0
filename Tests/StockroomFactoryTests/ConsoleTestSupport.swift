import AsyncHTTPClient
import NIOCore
import NIOHTTP1
import Prometheus
@testable import StockroomConsole
import StockroomSidePort
import TestSupport
import XCTest

/// No redirects followed: the console tests read each answer's status and cookie themselves.
let consoleTestClient = HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init(redirectConfiguration: .disallow))

/// One HTTP answer, as a console test reads it.
struct ConsoleAnswer {
    var status: Int
    var body: String
    var headers: HTTPHeaders
}

extension XCTestCase {
    /// A GET, or a POST of `form` as `application/x-www-form-urlencoded`.
    func send(
        _ method: HTTPMethod, _ url: String, form: [(String, String)] = [], headers: [(String, String)] = []
    ) async throws -> ConsoleAnswer {
        var request = HTTPClientRequest(url: url)
        request.method = method
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if method == .POST {
            request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
            let body = form.map { "\(percentEncoded($0.0))=\(percentEncoded($0.1))" }.joined(separator: "&")
            request.body = .bytes(ByteBuffer(string: body))
        }
        let response = try await consoleTestClient.execute(request, timeout: .seconds(10))
        let body = try await response.body.collect(upTo: 1 << 20)
        return ConsoleAnswer(status: Int(response.status.code), body: String(buffer: body), headers: response.headers)
    }

    /// A side port on a free port with the console behind `access`.
    func sidePort(_ env: FactoryTestEnvironment, access: ConsoleAccess, redriveRate: Int = ConsoleData.defaultRedriveRate) -> SidePortService {
        var configuration = SidePortConfiguration()
        configuration.port = 0
        configuration.consoleAccess = access
        return SidePortService(
            configuration: configuration, intake: ArrivalIntake(orders: env.orders, logger: testLogger()), redis: env.redis,
            registry: PrometheusCollectorRegistry(), console: ConsoleData(keys: env.keys, redis: env.redis, redriveRate: redriveRate),
            logger: testLogger()
        )
    }

    /// Logs in with `token`: the session cookie (`name=value`, empty when refused) and the answer.
    func login(_ base: String, token: String) async throws -> (cookie: String, answer: ConsoleAnswer) {
        let answer = try await send(.POST, base + "/login", form: [("token", token)])
        let cookie = answer.headers["Set-Cookie"].first ?? ""
        return (String(cookie.split(separator: ";").first ?? ""), answer)
    }

    /// The CSRF token a page's forms carry.
    func csrf(in body: String) -> String? {
        guard let range = body.range(of: "name=\"csrf\" value=\"") else { return nil }
        return String(body[range.upperBound...].prefix { $0 != "\"" })
    }
}
