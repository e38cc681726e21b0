import AsyncHTTPClient
import Foundation
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import StockroomCore
import StockroomFactory
import StockroomFactorySimulator
import StockroomHTTP
import StockroomPipeline
import StockroomRedis
import TestSupport
import XCTest

/// A test's Redis keys (under a prefix of its own, deleted afterwards), store and connection.
struct FactoryTestEnvironment: Sendable {
    let redis: RedisConnection
    let store: SalesStore
    var keys: KeySpace { store.keys }
    var orders: FactoryOrders { FactoryOrders(keys: keys, redis: redis) }
}

func withFactoryEnvironment<T>(
    url: String? = nil,
    function: String = #function,
    _ body: (FactoryTestEnvironment) async throws -> T
) async throws -> T {
    try await withTestStore(url: url, function: function) { store, redis in
        try await body(FactoryTestEnvironment(redis: redis, store: store))
    }
}

/// One HTTP client for the test process; never shut down (the process ends first).
let testHTTPClient = HTTPClient(eventLoopGroupProvider: .singleton)

struct HTTPAnswer: Sendable {
    var status: Int
    var body: String

    var json: Any? { try? JSONSerialization.jsonObject(with: Data(body.utf8)) }
}

func httpPost(_ url: String, body: String, timeout: Duration = .seconds(10)) async throws -> HTTPAnswer {
    var request = HTTPClientRequest(url: url)
    request.method = .POST
    request.headers.add(name: "Content-Type", value: "application/json")
    request.body = .bytes(ByteBuffer(string: body))
    let response = try await testHTTPClient.execute(request, timeout: .seconds(Int64(timeout.components.seconds)))
    let answer = try await response.body.collect(upTo: 1 << 20)
    return HTTPAnswer(status: Int(response.status.code), body: String(buffer: answer))
}

func httpGet(_ url: String, headers: [(String, String)] = []) async throws -> HTTPAnswer {
    var request = HTTPClientRequest(url: url)
    for (name, value) in headers { request.headers.add(name: name, value: value) }
    let response = try await testHTTPClient.execute(request, timeout: .seconds(10))
    let answer = try await response.body.collect(upTo: 1 << 20)
    return HTTPAnswer(status: Int(response.status.code), body: String(buffer: answer))
}

/// A claim heartbeat that only counts its refreshes.
final class CountingHeartbeat: ClaimHeartbeat, @unchecked Sendable {
    private let lock = NSLock()
    private var refreshes = 0

    func refresh() async throws {
        lock.withLock { refreshes += 1 }
    }

    var count: Int { lock.withLock { refreshes } }
}

/// What the runtime would hand a handler with an entry, for tests that call handlers directly.
func testContext(_ heartbeat: CountingHeartbeat = CountingHeartbeat()) -> EntryContext {
    EntryContext(heartbeat: heartbeat, logger: testLogger())
}

/// The entries of a stream, as the pipeline would hand them to a handler.
func streamEntries(_ stream: String, topic: Topic, partition: Int, on redis: RedisConnection) async throws -> [StreamEntry] {
    let reply = try await redis.send(["XRANGE", stream, "-", "+"]).get()
    return try (reply.array ?? []).map { item in
        guard let parts = item.array, parts.count == 2, let id = parts[0].string else {
            throw TestSupportError("XRANGE \(stream) answered an entry that is not [id, fields]: \(item)")
        }
        return StreamEntry(
            id: id, topic: topic, stream: stream, partition: partition, fields: try parts[1].fieldDictionary(), deliveries: 1
        )
    }
}

/// Collects what arrives at a test HTTP endpoint: the factory's callbacks, or calls to a fake factory.
actor Inbox {
    struct Delivery: Sendable {
        var path: String
        var query: String?
        var body: String
    }

    private(set) var deliveries: [Delivery] = []

    func add(_ delivery: Delivery) { deliveries.append(delivery) }
}

/// A small HTTP server for tests on a free port; `listening` tells the port once it listens.
struct TestHTTPServer: Service {
    let listening = ListeningPort()
    /// Builds the router in the serving task: routers are not `Sendable`.
    let makeRouter: @Sendable () -> Router<BasicRequestContext>

    init(_ makeRouter: @escaping @Sendable () -> Router<BasicRequestContext>) {
        self.makeRouter = makeRouter
    }

    /// Serves until graceful shutdown, as the side port and the simulator do.
    func run() async throws {
        try await HTTPServing.run(
            router: makeRouter(), host: "127.0.0.1", port: 0, serverName: "test-http", listening: listening,
            logger: testLogger("stockroom.test.http")
        )
    }
}

/// A factory message as our client sends it, for tests that play the factory's part.
func legacyMessage(sku: String, count: String, callbackURL: String) -> String {
    """
    {"MessageGroupId":"stock-arrival-group","MessageAttributeProductId":"\(sku)","MessageAttributeProductCnt":\(count),\
    "MessageAttributeFactoryId":"FF-500293","MessageAttributeRequester":"stockroom","CallbackUrl":"\(callbackURL)"}
    """
}

/// Asserts that `operation` fails with a `FactoryError` of `code`.
func XCTAssertFactoryError<T>(
    _ code: FactoryError.Code,
    _ operation: () async throws(FactoryError) -> T,
    file: StaticString = #filePath,
    line: UInt = #line
) async {
    do throws(FactoryError) {
        let value = try await operation()
        XCTFail("expected \(code), got \(value)", file: file, line: line)
    } catch {
        XCTAssertEqual(error.code, code, "\(error)", file: file, line: line)
    }
}

extension FactoryTestEnvironment {
    /// Creates `sku` with `stock`, reorder point 0 and `reorderQuantity`, then sells all of it, so the
    /// purchase script opens factory order `<sku>@1`. Returns the stock-empty entry.
    func sellOut(_ sku: String, stock: Int = 2, reorderQuantity: Int = 10) async throws -> StreamEntry {
        _ = try await store.setStock(
            StockUpdate(sku: sku, stock: stock, reorderPoint: 0, reorderQuantity: reorderQuantity), actor: "test", on: redis
        ).get()
        let decision = try await store.purchase(
            PurchaseOrder(sku: sku, quantity: stock, purchaseID: "buy-\(sku)-\(UUID().uuidString)", customer: "test"),
            on: redis
        ).get()
        XCTAssertEqual(decision.outcome, .sold)
        let partition = keys.partition(of: sku)
        let entries = try await streamEntries(keys.stream(.stockEmpty, partition: partition), topic: .stockEmpty, partition: partition, on: redis)
        let entry = try XCTUnwrap(entries.last(where: { $0.fields["sku"] == sku }), "a stock-empty entry for \(sku)")
        XCTAssertEqual(entry.fields["order"], "\(sku)@1")
        return entry
    }

    /// Sells `sku` out and prepares its order `<sku>@1` for `quantity`, as the factory group does
    /// before calling the factory; returns the order and the token its callback must carry.
    func placedOrder(_ sku: String, quantity: Int = 10) async throws -> (order: OrderReference, token: String) {
        _ = try await sellOut(sku, reorderQuantity: quantity)
        let order = OrderReference(sku: sku, number: 1)
        let prepared = try await orders.prepare(order, quantity: quantity, partition: keys.partition(of: sku))
        XCTAssertEqual(prepared.quantity, quantity)
        return (order, prepared.token)
    }

    func arrivalEntries(of sku: String) async throws -> [StreamEntry] {
        let partition = keys.partition(of: sku)
        return try await streamEntries(keys.stream(.stockArrival, partition: partition), topic: .stockArrival, partition: partition, on: redis)
    }

    func orderRecord(_ order: String) async throws -> [String: String] {
        let sku = String(order.prefix(while: { $0 != "@" }))
        return try await hashFields(keys.orderKey(order, partition: keys.partition(of: sku)), on: redis)
    }

    func stock(of sku: String) async throws -> StockLevel {
        try await store.stockLevel(of: sku, on: redis).get()
    }
}

/// A factory configuration pointing at a simulator and at a side port on loopback.
func factoryConfiguration(factoryPort: Int, sidePort: Int) -> FactoryConfiguration {
    var configuration = FactoryConfiguration()
    configuration.baseURL = "http://127.0.0.1:\(factoryPort)"
    configuration.callbackURL = "http://127.0.0.1:\(sidePort)/arrival"
    configuration.requestTimeout = .seconds(5)
    return configuration
}

func simulatorConfiguration(_ configure: (inout FactorySimulatorConfiguration) -> Void = { _ in }) -> FactorySimulatorConfiguration {
    var configuration = FactorySimulatorConfiguration()
    configuration.port = 0
    configuration.delay = .milliseconds(100)
    configure(&configuration)
    return configuration
}

/// Asserts that `operation` throws `PoisonEntry`.
func XCTAssertPoison<T>(
    _ operation: () async throws -> T,
    file: StaticString = #filePath,
    line: UInt = #line
) async {
    do {
        let value = try await operation()
        XCTFail("expected PoisonEntry, got \(value)", file: file, line: line)
    } catch is PoisonEntry {
        // expected
    } catch {
        XCTFail("expected PoisonEntry, got \(error)", file: file, line: line)
    }
}
