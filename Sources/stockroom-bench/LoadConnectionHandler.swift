import Histogram
import NIOCore
import StockroomWire

/// What one load connection measured.
struct LoadTally: Sendable {
    var sold = 0
    var outOfStock = 0
    var errors: [String: Int] = [:]
    var latencyMicroseconds = Histogram<UInt64>(highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: .three)

    var completed: Int { sold + outOfStock + errors.values.reduce(0, +) }

    mutating func add(_ other: LoadTally) {
        sold += other.sold
        outOfStock += other.outOfStock
        errors.merge(other.errors, uniquingKeysWith: +)
        latencyMicroseconds.add(other.latencyMicroseconds)
    }
}

/// A closed-loop load connection: keeps `pipelineDepth` purchases in flight until `deadline`, like
/// one redis-benchmark client with `-P`.
///
/// ```
/// connecting ──active──► greeting ──HELLO_OK──► running ──deadline──► draining ──last answer──► done
/// ```
final class LoadConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = Frame
    typealias OutboundOut = RequestEnvelope

    private enum State {
        case greeting
        case running
        case draining
        case done
    }

    private var state: State = .greeting
    private let connectionNumber: Int
    private let skus: [String]
    private let pipelineDepth: Int
    private let deadline: NIODeadline
    private let finished: EventLoopPromise<LoadTally>
    private var tally = LoadTally()
    private var sentAt: [UInt32: NIODeadline] = [:]
    private var nextRequestID: UInt32 = 1

    init(connectionNumber: Int, skus: [String], pipelineDepth: Int, deadline: NIODeadline, finished: EventLoopPromise<LoadTally>) {
        self.connectionNumber = connectionNumber
        self.skus = skus
        self.pipelineDepth = pipelineDepth
        self.deadline = deadline
        self.finished = finished
    }

    func channelActive(context: ChannelHandlerContext) {
        let hello = Hello(minVersion: ProtocolVersion.supported.lowerBound, maxVersion: ProtocolVersion.current, clientName: "stockroom-bench")
        context.writeAndFlush(wrapOutboundOut(RequestEnvelope(requestID: 0xFFFF_FFFF, request: .hello(hello))), promise: nil)
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard let envelope = try? ResponseEnvelope(decoding: unwrapInboundIn(data)) else {
            finish(context: context, failure: "unreadable answer")
            return
        }
        switch state {
        case .greeting:
            guard case .helloOK = envelope.response else {
                finish(context: context, failure: "no HELLO_OK: \(envelope.response)")
                return
            }
            state = .running
            for _ in 0..<pipelineDepth { send(context: context) }
            context.flush()
        case .running, .draining:
            record(envelope)
            if state == .running, NIODeadline.now() < deadline {
                send(context: context)
                context.flush()
            } else {
                state = .draining
                if sentAt.isEmpty { finish(context: context, failure: nil) }
            }
        case .done:
            break
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        finish(context: context, failure: state == .done ? nil : "connection closed")
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        finish(context: context, failure: "\(error)")
    }

    private func send(context: ChannelHandlerContext) {
        let requestID = nextRequestID
        nextRequestID &+= 1
        if nextRequestID == 0 { nextRequestID = 1 }  // id 0 is reserved for connection-level errors
        let purchase = Purchase(
            sku: skus[Int(requestID) % skus.count],
            quantity: 1,
            purchaseID: "bench-\(connectionNumber)-\(requestID)",
            customer: "bench"
        )
        sentAt[requestID] = .now()
        context.write(wrapOutboundOut(RequestEnvelope(requestID: requestID, request: .purchase(purchase))), promise: nil)
    }

    private func record(_ envelope: ResponseEnvelope) {
        guard let started = sentAt.removeValue(forKey: envelope.requestID) else { return }
        let micros = (NIODeadline.now() - started).nanoseconds / 1000
        _ = tally.latencyMicroseconds.record(UInt64(max(0, micros)))
        switch envelope.response {
        case .purchaseResult(let result) where result.outcome == .sold: tally.sold += 1
        case .purchaseResult: tally.outOfStock += 1
        case .error(let error): tally.errors[error.code.name, default: 0] += 1
        default: tally.errors["UNEXPECTED_ANSWER", default: 0] += 1
        }
    }

    private func finish(context: ChannelHandlerContext, failure: String?) {
        guard state != .done else { return }
        state = .done
        if let failure { tally.errors[failure, default: 0] += 1 }
        finished.succeed(tally)
        context.close(promise: nil)
    }
}

@available(*, unavailable)
extension LoadConnectionHandler: Sendable {}
