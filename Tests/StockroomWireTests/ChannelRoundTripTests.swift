import NIOCore
import NIOEmbedded
import StockroomWire
import XCTest

/// Messages written by one side's encoder and read by the other side's decoder, each side assembled the way a
/// client and a server assemble their pipelines.
final class ChannelRoundTripTests: XCTestCase {
    private func clientChannel() -> EmbeddedChannel {
        EmbeddedChannel(handlers: [
            ByteToMessageHandler(FrameDecoder()),
            MessageToByteHandler(RequestEncoder()),
        ])
    }

    private func serverChannel() -> EmbeddedChannel {
        EmbeddedChannel(handlers: [
            ByteToMessageHandler(FrameDecoder()),
            MessageToByteHandler(ResponseEncoder()),
        ])
    }

    /// Every request and response of the vector file (which covers every opcode), with its request id.
    private func sampleMessages() throws -> (requests: [RequestEnvelope], responses: [ResponseEnvelope]) {
        var requests: [RequestEnvelope] = []
        var responses: [ResponseEnvelope] = []
        for vector in try VectorFile.load().valid {
            switch vector.kind {
            case .request:
                requests.append(RequestEnvelope(requestID: vector.requestID, request: try vector.value.request()))
            case .response:
                responses.append(ResponseEnvelope(requestID: vector.requestID, response: try vector.value.response()))
            }
        }
        return (requests, responses)
    }

    /// Everything `channel` wrote, in order.
    private func drainOutbound(_ channel: EmbeddedChannel) throws -> [ByteBuffer] {
        var buffers: [ByteBuffer] = []
        while let buffer = try channel.readOutbound(as: ByteBuffer.self) {
            buffers.append(buffer)
        }
        return buffers
    }

    private func drainInbound(_ channel: EmbeddedChannel) throws -> [Frame] {
        var frames: [Frame] = []
        while let frame = try channel.readInbound(as: Frame.self) {
            frames.append(frame)
        }
        return frames
    }

    func testEveryRequestTravelsFromClientToServer() throws {
        let client = self.clientChannel()
        let server = self.serverChannel()
        let requests = try self.sampleMessages().requests
        XCTAssertEqual(
            Set(requests.map(\.request.opcode)),
            Set(Opcode.allKnown.filter(\.isRequest))
        )

        for request in requests {
            try client.writeOutbound(request)
        }
        for buffer in try self.drainOutbound(client) {
            try server.writeInbound(buffer)
        }
        let received = try self.drainInbound(server).map { try RequestEnvelope(decoding: $0) }
        XCTAssertEqual(received, requests)
        XCTAssertTrue(try client.finish().isClean)
        XCTAssertTrue(try server.finish().isClean)
    }

    func testEveryResponseTravelsFromServerToClient() throws {
        let client = self.clientChannel()
        let server = self.serverChannel()
        let responses = try self.sampleMessages().responses
        XCTAssertEqual(
            Set(responses.map(\.response.opcode)),
            Set(Opcode.allKnown.filter { !$0.isRequest })
        )

        for response in responses {
            try server.writeOutbound(response)
        }
        for buffer in try self.drainOutbound(server) {
            try client.writeInbound(buffer)
        }
        let received = try self.drainInbound(client).map { try ResponseEnvelope(decoding: $0) }
        XCTAssertEqual(received, responses)
        XCTAssertTrue(try client.finish().isClean)
        XCTAssertTrue(try server.finish().isClean)
    }

    func testPipelinedRequestsArriveInOneReadAndOutOfOrderAnswersMatchByID() throws {
        let client = self.clientChannel()
        let server = self.serverChannel()
        let requests = (1...50).map {
            RequestEnvelope(requestID: UInt32($0), request: .stockGet(sku: "SKU-\($0)"))
        }
        for request in requests {
            try client.writeOutbound(request)
        }
        // All pipelined requests reach the server as one read, as TCP may coalesce them.
        var coalesced = ByteBuffer()
        for var buffer in try self.drainOutbound(client) {
            coalesced.writeBuffer(&buffer)
        }
        try server.writeInbound(coalesced)
        let received = try self.drainInbound(server).map { try RequestEnvelope(decoding: $0) }
        XCTAssertEqual(received, requests)

        for request in received.reversed() {
            guard case .stockGet(let sku) = request.request else {
                return XCTFail("unexpected \(request)")
            }
            let info = StockInfo(
                sku: sku,
                stock: Int64(request.requestID),
                reorderPoint: 0,
                reorderQuantity: 0,
                openOrder: nil
            )
            try server.writeOutbound(ResponseEnvelope(requestID: request.requestID, response: .stockInfo(info)))
        }
        for buffer in try self.drainOutbound(server) {
            try client.writeInbound(buffer)
        }
        let answers = try self.drainInbound(client).map { try ResponseEnvelope(decoding: $0) }
        XCTAssertEqual(answers.map(\.requestID), requests.map(\.requestID).reversed())
        for answer in answers {
            guard case .stockInfo(let info) = answer.response else {
                return XCTFail("unexpected \(answer)")
            }
            XCTAssertEqual(info.sku, "SKU-\(answer.requestID)")
        }
    }
}
