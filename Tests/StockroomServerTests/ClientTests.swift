import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import StockroomClient
import StockroomWire
import TestSupport
import XCTest

/// The client's own failure handling, against peers that misbehave on purpose.
final class ClientTests: XCTestCase {
    func testConnectingToAClosedPortFailsClearly() async throws {
        let port = try freeLoopbackPort()
        do {
            _ = try await StockroomClient.connect(StockroomClientConfiguration(host: "127.0.0.1", port: port))
            XCTFail("nothing listens there")
        } catch {
            XCTAssertEqual(error.code, .connectFailed)
            XCTAssertTrue(error.message.contains("127.0.0.1:\(port)"), error.message)
        }
    }

    /// A server that answers HELLO and then never again: calls fail with `.timeout`, they do not hang.
    func testARequestWithoutAnAnswerTimesOut() async throws {
        let silent = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(FrameDecoder()))
                    try channel.pipeline.syncOperations.addHandler(MessageToByteHandler(ResponseEncoder()))
                    try channel.pipeline.syncOperations.addHandler(AnswerHelloOnly())
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        var configuration = StockroomClientConfiguration(host: "127.0.0.1", port: silent.localAddress!.port!)
        configuration.requestTimeout = .milliseconds(200)
        let client = try await StockroomClient.connect(configuration)
        do {
            _ = try await client.purchase(sku: "S", purchaseID: "p")
            XCTFail("the server never answers")
        } catch {
            XCTAssertEqual(error.code, .timeout)
        }
        // A call's own timeout wins over the configuration's; the message names it.
        do {
            _ = try await client.stock(of: "S", timeout: .milliseconds(50))
            XCTFail("the server never answers")
        } catch {
            XCTAssertEqual(error.code, .timeout)
            XCTAssertTrue(error.message.contains("50"), error.message)
        }
        await client.close()
        do {
            try await client.ping()
            XCTFail("a closed client refuses calls")
        } catch {
            XCTAssertEqual(error.code, .clientClosed)
        }
        try await silent.close()
    }

    /// Answers come back in whatever order the server sends them; each reaches its own caller.
    func testAnswersAreMatchedByRequestIDWhateverTheirOrder() async throws {
        let reversing = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(FrameDecoder()))
                    try channel.pipeline.syncOperations.addHandler(MessageToByteHandler(ResponseEncoder()))
                    try channel.pipeline.syncOperations.addHandler(AnswerStockGetsInReverse(batch: 3))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        let client = try await StockroomClient.connect(StockroomClientConfiguration(host: "127.0.0.1", port: reversing.localAddress!.port!))
        let answers = try await withThrowingTaskGroup(of: (String, String).self) { group in
            for sku in ["A", "B", "C"] {
                group.addTask { (sku, try await client.stock(of: sku).sku) }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        XCTAssertEqual(answers.count, 3)
        for (asked, answered) in answers { XCTAssertEqual(asked, answered) }
        await client.close()
        try await reversing.close()
    }
}

extension ClientTests {
    /// Many calls that find the same dead connection reconnect at once; exactly one new connection
    /// stays, the others are closed rather than left open and untracked.
    func testConcurrentReconnectsLeaveOneConnection() async throws {
        let open = NIOLockedValueBox(OpenConnections())
        let peer = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(FrameDecoder()))
                    try channel.pipeline.syncOperations.addHandler(MessageToByteHandler(ResponseEncoder()))
                    try channel.pipeline.syncOperations.addHandler(DropFirstConnectionPeer(open: open))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        let client = try await StockroomClient.connect(StockroomClientConfiguration(host: "127.0.0.1", port: peer.localAddress!.port!))
        do {
            try await client.ping()
            XCTFail("the first connection is dropped on its first request")
        } catch {
            XCTAssertEqual(error.code, .connectionClosed)
        }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<20 { group.addTask { try await client.ping() } }
            try await group.waitForAll()
        }
        // Closing reaches the peer a moment later: wait, boundedly, for the surplus to be gone.
        let settled = try? await eventually(timeout: .seconds(10), "one connection left") { () -> OpenConnections? in
            let counts = open.withLockedValue { $0 }
            return counts.open == 1 ? counts : nil
        }
        let counts = open.withLockedValue { $0 }
        XCTAssertNotNil(settled, "one connection stays open, not \(counts.open); \(counts.accepted) were accepted in all")
        XCTAssertGreaterThanOrEqual(counts.accepted, 2)
        await client.close()
        try await peer.close()
    }
}

private struct OpenConnections: Sendable {
    var accepted = 0
    var open = 0
}

/// Test peer: answers HELLO and PING, but drops its first connection at that connection's first request.
private final class DropFirstConnectionPeer: ChannelInboundHandler {
    typealias InboundIn = Frame
    typealias OutboundOut = ResponseEnvelope

    private let open: NIOLockedValueBox<OpenConnections>
    private var isFirst = false

    init(open: NIOLockedValueBox<OpenConnections>) { self.open = open }

    func channelActive(context: ChannelHandlerContext) {
        isFirst = open.withLockedValue { counts in
            counts.accepted += 1
            counts.open += 1
            return counts.accepted == 1
        }
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        open.withLockedValue { $0.open -= 1 }
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard let envelope = try? RequestEnvelope(decoding: unwrapInboundIn(data)) else { return }
        let response: Response
        switch envelope.request {
        case .hello:
            response = .helloOK(HelloOK(version: 1, maxFrameLength: 65_536, authenticationRequired: false, serverName: "flaky"))
        case .ping(let bytes) where !isFirst:
            response = .pong(bytes)
        default:
            context.close(promise: nil)
            return
        }
        context.writeAndFlush(wrapOutboundOut(ResponseEnvelope(requestID: envelope.requestID, response: response)), promise: nil)
    }
}

/// Test peer: says HELLO_OK, then ignores everything.
private final class AnswerHelloOnly: ChannelInboundHandler {
    typealias InboundIn = Frame
    typealias OutboundOut = ResponseEnvelope

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        guard frame.opcode == .hello else { return }
        let hello = HelloOK(version: 1, maxFrameLength: 65_536, authenticationRequired: false, serverName: "silent")
        context.writeAndFlush(wrapOutboundOut(ResponseEnvelope(requestID: frame.requestID, response: .helloOK(hello))), promise: nil)
    }
}

/// Test peer: answers HELLO, then holds STOCK_GETs until `batch` have come and answers them last-first.
private final class AnswerStockGetsInReverse: ChannelInboundHandler {
    typealias InboundIn = Frame
    typealias OutboundOut = ResponseEnvelope

    private let batch: Int
    private var held: [(UInt32, String)] = []

    init(batch: Int) { self.batch = batch }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard let envelope = try? RequestEnvelope(decoding: unwrapInboundIn(data)) else { return }
        switch envelope.request {
        case .hello:
            let hello = HelloOK(version: 1, maxFrameLength: 65_536, authenticationRequired: false, serverName: "reversing")
            context.writeAndFlush(wrapOutboundOut(ResponseEnvelope(requestID: envelope.requestID, response: .helloOK(hello))), promise: nil)
        case .stockGet(let sku):
            held.append((envelope.requestID, sku))
            guard held.count == batch else { return }
            for (requestID, sku) in held.reversed() {
                let info = StockInfo(sku: sku, stock: 1, reorderPoint: 0, reorderQuantity: 1, openOrder: nil)
                context.write(wrapOutboundOut(ResponseEnvelope(requestID: requestID, response: .stockInfo(info))), promise: nil)
            }
            context.flush()
            held = []
        default:
            break
        }
    }
}
