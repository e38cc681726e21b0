import AsyncHTTPClient
import Foundation
import Hummingbird
import LegacyFactoryAPI
import Logging
import NIOCore
import ServiceLifecycle
import StockroomHTTP

/// The legacy factory, simulated: for tests, demos and `stockroom factory-sim`.
///
/// ```
/// POST /api/manufactures (and the older /manufacture)   201 {"data":{"id","reqestor","data":{…request…}}}
///                                                       400 bad order, 503 overloaded, 500 injected failure
/// GET  /api/manufactures                                the orders received, as a JSON array
/// ```
/// After `delay`, each accepted order POSTs its original body to its `CallbackUrl` once, with no
/// retry, ignoring the answer, as the original does.
public final class FactorySimulator: Service, Sendable {
    public let configuration: FactorySimulatorConfiguration
    /// The bound port, once listening (useful with port 0).
    public let listening = ListeningPort()
    private let book: Book
    private let jobs: AsyncStream<SimulatedOrder>
    private let jobsContinuation: AsyncStream<SimulatedOrder>.Continuation
    private let logger: Logger

    /// The simulator's order book, one caller at a time.
    private actor Book {
        var state: SimulatedOrderBook
        var random = SystemRandomNumberGenerator()

        init(_ state: SimulatedOrderBook) { self.state = state }

        func decide(request: FactoryOrderRequest, body: [UInt8]) -> (SimulatorDecision, SimulatedOrder?) {
            let decision = state.decide(request: request, body: body, using: &random)
            if case .accept(let id) = decision {
                return (decision, state.orders.last(where: { $0.id == id }))
            }
            return (decision, nil)
        }

        func finish(_ id: String, as status: SimulatedOrder.Status) { state.finish(id, as: status) }
        func orders() -> [SimulatedOrder] { state.orders }
    }

    public init(configuration: FactorySimulatorConfiguration, logger: Logger) {
        var logger = logger
        logger[metadataKey: "sr.service"] = "factory-sim"
        self.configuration = configuration
        self.book = Book(
            SimulatedOrderBook(
                maxConcurrent: max(1, configuration.maxConcurrent),
                failRate: min(1, max(0, configuration.failRate)),
                timeoutShare: min(1, max(0, configuration.timeoutShare)),
                dropCallbackRate: min(1, max(0, configuration.dropCallbackRate))
            )
        )
        (self.jobs, self.jobsContinuation) = AsyncStream.makeStream()
        self.logger = logger
    }

    /// Every order received so far, oldest first.
    public func receivedOrders() async -> [SimulatedOrder] {
        await book.orders()
    }

    /// Serves until graceful shutdown; productions still running are then abandoned. Runs once.
    public func run() async throws {
        let httpClient = HTTPClient(eventLoopGroupProvider: .singleton)
        do {
            try await withThrowingDiscardingTaskGroup { group in
                group.addTask {
                    defer { self.jobsContinuation.finish() }
                    try await HTTPServing.run(
                        router: self.makeRouter(), host: self.configuration.host, port: self.configuration.port,
                        serverName: "factory-sim", listening: self.listening, logger: self.logger
                    )
                }
                for await order in jobs {
                    group.addTask { await self.produce(order, httpClient: httpClient) }
                }
            }
        } catch {
            try? await httpClient.shutdown()
            throw error
        }
        try await httpClient.shutdown()
    }

    private func makeRouter() -> Router<BasicRequestContext> {
        let router = Router()
        for path in ["/api/manufactures", "/manufacture"] {
            router.post(RouterPath(path)) { request, _ -> Response in
                var request = request
                let body = try await request.collectBody(upTo: 64 * 1024)
                return await self.order(Array(body.readableBytesView))
            }
        }
        router.get("/api/manufactures") { _, _ -> Response in
            let orders = await self.book.orders()
            let items = orders.map { order -> [String: Any] in
                [
                    "id": order.id, "reqestor": order.requester, "status": order.status.rawValue,
                    "received_at": ISO8601DateFormatter().string(from: order.receivedAt),
                    "data": Self.echo(order.body),
                ]
            }
            return Self.json(.ok, items)
        }
        return router
    }

    private func order(_ body: [UInt8]) async -> Response {
        let request: FactoryOrderRequest
        do {
            request = try FactoryOrderRequest.decode(body)
        } catch {
            return Self.json(.badRequest, ["error": "not a manufacture request: \(error)"])
        }
        guard request.productCount >= 1, !request.productID.isEmpty, !request.callbackURL.isEmpty else {
            return Self.json(
                .badRequest,
                ["error": "MessageAttributeProductId, MessageAttributeProductCnt >= 1 and CallbackUrl are required"]
            )
        }
        let (decision, accepted) = await book.decide(request: request, body: body)
        switch decision {
        case .overloaded:
            logger.info("overloaded: order refused", metadata: ["sr.sku": "\(request.productID)"])
            return Self.json(.serviceUnavailable, ["error": "factory overloaded"])
        case .failNow:
            logger.info("injected failure: 500", metadata: ["sr.sku": "\(request.productID)"])
            return Self.json(.internalServerError, ["error": "injected failure"])
        case .failAfterHold:
            logger.info("injected failure: holding the request", metadata: ["sr.sku": "\(request.productID)"])
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: self.configuration.timeoutHold) }
            return Self.json(.internalServerError, ["error": "injected timeout"])
        case .accept(let id):
            if let accepted { jobsContinuation.yield(accepted) }
            logger.info(
                "order accepted",
                metadata: ["sr.factory.id": "\(id)", "sr.sku": "\(request.productID)", "sr.quantity": "\(request.productCount)"]
            )
            // The original's answer, misspelled `reqestor` included; `data` echoes the request as sent.
            return Self.json(.created, ["data": ["id": id, "reqestor": request.requester, "data": Self.echo(body)]])
        }
    }

    /// The request's JSON as it came, numbers and strings as the caller sent them.
    private static func echo(_ body: [UInt8]) -> Any {
        (try? JSONSerialization.jsonObject(with: Data(body))) ?? String(decoding: body, as: UTF8.self)
    }

    /// A JSON answer of plain values; JSONSerialization, because the echoed request has no fixed type.
    private static func json(_ status: HTTPResponse.Status, _ object: Any) -> Response {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
        return Response(
            status: status,
            headers: [.contentType: "application/json"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: data))
        )
    }

    /// Waits out production, then calls back once.
    private func produce(_ order: SimulatedOrder, httpClient: HTTPClient) async {
        do {
            try await cancelWhenGracefulShutdown { try await Task.sleep(for: self.configuration.delay) }
        } catch {
            await book.finish(order.id, as: .cancelled)
            return
        }
        guard configuration.callbacks else {
            await book.finish(order.id, as: .finished)
            return
        }
        if order.dropsCallback {
            await book.finish(order.id, as: .callbackDropped)
            logger.info("production ended, callback dropped on purpose", metadata: ["sr.factory.id": "\(order.id)"])
            return
        }
        var callback = HTTPClientRequest(url: order.callbackURL)
        callback.method = .POST
        callback.headers.add(name: "Content-Type", value: "application/json")
        callback.body = .bytes(order.body)
        do {
            let response = try await httpClient.execute(callback, timeout: TimeAmount(configuration.callbackTimeout))
            // The original ignores the answer; reading it only frees the connection.
            _ = try? await response.body.collect(upTo: 64 * 1024)
            await book.finish(order.id, as: .calledBack)
            logger.info(
                "production ended, called back",
                metadata: ["sr.factory.id": "\(order.id)", "sr.http.status": "\(response.status.code)"]
            )
        } catch {
            await book.finish(order.id, as: .callbackFailed)
            logger.warning(
                "production ended, callback failed (not retried)",
                metadata: ["sr.factory.id": "\(order.id)", "sr.error": "\(error)"]
            )
        }
    }
}
