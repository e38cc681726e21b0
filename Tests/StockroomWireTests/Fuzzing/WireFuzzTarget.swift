import NIOCore
import StockroomWire

/// One fuzz target: what its input is and how ``WireDecoderContract`` checks it. `ops/fuzz` runs each by
/// ``name``, and `FuzzRegressions/<name>/` keeps inputs for it that `swift test` replays.
enum WireFuzzTarget: Hashable, Sendable {
    /// The input is the byte stream of a client connection, read as the server reads it.
    case frameStream
    /// The input is the payload of one well-framed request with this opcode.
    case payload(Opcode)

    /// The frame stream, then one target per request opcode: every message a client can send.
    static let all: [WireFuzzTarget] = [.frameStream] + WireDecoderContract.requestOpcodes.map { .payload($0) }

    /// `frames`, or the opcode's name in lower case: `hello`, …, `stock_adjust`.
    var name: String {
        switch self {
        case .frameStream: "frames"
        case .payload(let opcode): opcode.description.lowercased()
        }
    }

    init?(name: String) {
        guard let target = Self.all.first(where: { $0.name == name }) else { return nil }
        self = target
    }

    /// Runs `input` through the decoders this target covers and checks the contract.
    ///
    /// - Returns: What the decoders made of each frame, in order.
    func check(_ input: ByteBuffer) throws(WireContractViolation) -> [DecodingOutcome] {
        switch self {
        case .frameStream:
            return try WireDecoderContract.checkFrameStream(input)
        case .payload(let opcode):
            // The frame decoder never lets a longer payload through, so such an input tells nothing.
            guard input.readableBytes <= WireDecoderContract.maxFrameLength - Frame.headerSizeAfterLength else {
                return []
            }
            return [try WireDecoderContract.checkRequest(in: Frame(opcode: opcode, requestID: 1, payload: input))]
        }
    }
}
