import Logging
import NIOCore
import NIOPosix
import StockroomClient
import StockroomCore
import StockroomRedis
import StockroomServer
import StockroomWire
import TestSupport
import XCTest

/// A running server on port 0 with its own event loops, Redis connections and key prefix.
struct ServerHarness {
    let server: SalesServer
    let store: SalesStore
    let redis: RedisConnectionsByLoop
    var port: Int { server.localAddress.port! }

    func client(_ configure: (inout StockroomClientConfiguration) -> Void = { _ in }) async throws -> StockroomClient {
        var configuration = StockroomClientConfiguration(host: "127.0.0.1", port: port)
        configure(&configuration)
        return try await StockroomClient.connect(configuration)
    }

    func stock(of sku: String) async throws -> Int {
        try await store.stockLevel(of: sku, on: redis.any).get().stock
    }
}

/// Runs `body` against a fresh server and always tears everything down, keys included.
func withSalesServer<T>(
    redisURL: String? = nil,
    sales: SalesConfiguration = SalesConfiguration(),
    configure: (inout ServerConfiguration) -> Void = { _ in },
    _ body: (ServerHarness) async throws -> T,
    function: String = #function
) async throws -> T {
    let logger = Logger(label: "test")
    let prefix = uniqueKeyPrefix(function) + "stockroom"
    let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
    let url = if let redisURL { redisURL } else { try await TestRedis.sharedURL() }
    var redisConfiguration = try RedisConfiguration(url: url)
    redisConfiguration.scripts = StockroomScripts.all
    redisConfiguration.reconnectBackoff = .init(initial: .milliseconds(20), maximum: .milliseconds(200), multiplier: 2)
    let connections = try await RedisConnectionsByLoop.connect(configuration: redisConfiguration, group: group, logger: logger)
    let store = try await SalesStore.open(on: connections.any, configuration: sales, prefix: prefix, logger: logger).get()
    var configuration = ServerConfiguration()
    configuration.listen = Endpoint(host: "127.0.0.1", port: 0)
    configure(&configuration)
    let server = try await SalesServer.start(configuration: configuration, store: store, redis: connections, group: group, logger: logger)
    let harness = ServerHarness(server: server, store: store, redis: connections)

    func tearDown() async {
        try? await server.shutdown()
        try? await deleteKeys(prefixed: prefix, on: connections.any)
        await connections.close()
        try? await group.shutdownGracefully()
    }
    do {
        let result = try await body(harness)
        await tearDown()
        return result
    } catch {
        await tearDown()
        throw error
    }
}

/// A protocol connection that sends whatever bytes a test makes, and reads decoded answers.
struct RawConnection {
    private var inbound: NIOAsyncChannelInboundStream<Frame>.AsyncIterator
    private let outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>

    fileprivate init(inbound: NIOAsyncChannelInboundStream<Frame>.AsyncIterator, outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>) {
        self.inbound = inbound
        self.outbound = outbound
    }

    func send(_ request: Request, id: UInt32) async throws {
        var buffer = ByteBuffer()
        RequestEnvelope(requestID: id, request: request).encode(into: &buffer)
        try await outbound.write(buffer)
    }

    func sendBytes(_ bytes: [UInt8]) async throws {
        try await outbound.write(ByteBuffer(bytes: bytes))
    }

    /// The next answer, or nil once the server has closed the connection.
    mutating func receive() async throws -> ResponseEnvelope? {
        guard let frame = try await inbound.next() else { return nil }
        return try ResponseEnvelope(decoding: frame)
    }

    @discardableResult
    mutating func hello() async throws -> HelloOK {
        try await send(.hello(Hello(minVersion: 1, maxVersion: 1, clientName: "raw-test")), id: 1)
        guard case .helloOK(let accepted) = try await receive()?.response else {
            throw WireError(.internalError, "no HELLO_OK")
        }
        return accepted
    }

    /// Asserts the next answer is an ERROR with `code` for `id`, and returns its message.
    @discardableResult
    mutating func expectError(_ code: ErrorCode, id: UInt32, file: StaticString = #filePath, line: UInt = #line) async throws -> String? {
        let answer = try await receive()
        guard let answer, case .error(let error) = answer.response else {
            XCTFail("expected ERROR \(code.name), got \(String(describing: answer))", file: file, line: line)
            return nil
        }
        XCTAssertEqual(error.code, code, error.message, file: file, line: line)
        XCTAssertEqual(answer.requestID, id, file: file, line: line)
        return error.message
    }
}

/// Connects a raw protocol connection to the harness's server; bounded so that a silent server fails the test.
func withRawConnection<T: Sendable>(
    port: Int,
    _ body: @escaping @Sendable (inout RawConnection) async throws -> T
) async throws -> T {
    let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
        .connect(host: "127.0.0.1", port: port) { channel in
            channel.eventLoop.makeCompletedFuture {
                try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(FrameDecoder()))
                return try NIOAsyncChannel<Frame, ByteBuffer>(wrappingChannelSynchronously: channel)
            }
        }
    return try await withTimeout(.seconds(10)) {
        try await channel.executeThenClose { inbound, outbound in
            var connection = RawConnection(inbound: inbound.makeAsyncIterator(), outbound: outbound)
            return try await body(&connection)
        }
    }
}

