import Foundation
import LegacyFactoryAPI

/// One order the simulated factory received.
public struct SimulatedOrder: Sendable, Hashable {
    public enum Status: String, Sendable, Hashable {
        case inProduction = "in_production"
        /// Production ended and the callback was sent (its answer is ignored).
        case calledBack = "called_back"
        /// Production ended; the callback could not be delivered (never retried).
        case callbackFailed = "callback_failed"
        /// Production ended with callbacks switched off.
        case finished
        /// Production ended and the callback was dropped on purpose (`dropCallbackRate`).
        case callbackDropped = "callback_dropped"
        /// The simulator stopped before production ended.
        case cancelled
    }

    public var id: String
    public var requester: String
    public var callbackURL: String
    /// The request body exactly as received: what the callback sends back.
    public var body: [UInt8]
    /// This order's callback will be dropped (`dropCallbackRate`).
    public var dropsCallback: Bool
    public var status: Status
    public var receivedAt: Date
}

/// What the simulated factory decides for a new order.
enum SimulatorDecision: Equatable {
    case accept(id: String)
    case overloaded
    case failNow
    case failAfterHold
}

/// The simulator's state: the orders received and how many are in production.
///
/// A plain struct driven by the `FactorySimulator` actor, so that the decisions are easy to follow:
/// overload first (the original refuses before looking at the order), then injected failures.
struct SimulatedOrderBook {
    private(set) var orders: [SimulatedOrder] = []
    private(set) var inProduction = 0
    let maxConcurrent: Int
    let failRate: Double
    let timeoutShare: Double
    let dropCallbackRate: Double

    mutating func decide(
        request: FactoryOrderRequest,
        body: [UInt8],
        using random: inout some RandomNumberGenerator
    ) -> SimulatorDecision {
        if inProduction >= maxConcurrent { return .overloaded }
        if failRate > 0, Double.random(in: 0..<1, using: &random) < failRate {
            return Double.random(in: 0..<1, using: &random) < timeoutShare ? .failAfterHold : .failNow
        }
        let id = UUID().uuidString.lowercased()
        let dropsCallback = dropCallbackRate > 0 && Double.random(in: 0..<1, using: &random) < dropCallbackRate
        orders.append(
            SimulatedOrder(
                id: id, requester: request.requester, callbackURL: request.callbackURL, body: body,
                dropsCallback: dropsCallback, status: .inProduction, receivedAt: Date()
            )
        )
        inProduction += 1
        return .accept(id: id)
    }

    mutating func finish(_ id: String, as status: SimulatedOrder.Status) {
        guard let index = orders.firstIndex(where: { $0.id == id }), orders[index].status == .inProduction else {
            return
        }
        orders[index].status = status
        inProduction -= 1
    }
}
