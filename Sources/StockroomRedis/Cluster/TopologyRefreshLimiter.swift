// TopologyRefreshLimiter: at most one CLUSTER SHARDS in flight, and not more often than a set interval.

import NIOCore

/// Decides when the cluster router re-reads the topology. A burst of MOVED replies (a slot moved
/// under a thousand in-flight purchases) asks a thousand times; this turns that into one refresh now
/// and at most one more after it, so a moving cluster is not flooded with CLUSTER SHARDS.
struct TopologyRefreshLimiter: Sendable {
    private enum State {
        case idle
        /// A refresh is running; `requestedAgain` when something asked meanwhile (it may have read
        /// the map before the change that prompted the request).
        case refreshing(requestedAgain: Bool)
        /// A refresh is scheduled for later; requests until then are covered by it.
        case waiting
    }

    let minimumInterval: TimeAmount
    private var state: State = .idle
    private var lastStart: NIODeadline?

    init(minimumInterval: TimeAmount = .milliseconds(100)) {
        self.minimumInterval = minimumInterval
    }

    enum Action: Equatable {
        case start
        case schedule(at: NIODeadline)
        case none
    }

    mutating func request(now: NIODeadline) -> Action {
        switch self.state {
        case .idle:
            return self.startOrSchedule(now: now)
        case .refreshing:
            self.state = .refreshing(requestedAgain: true)
            return .none
        case .waiting:
            return .none
        }
    }

    mutating func finished(now: NIODeadline) -> Action {
        switch self.state {
        case .refreshing(requestedAgain: true):
            return self.startOrSchedule(now: now)
        case .refreshing(requestedAgain: false):
            self.state = .idle
            return .none
        case .idle, .waiting:
            preconditionFailure("a topology refresh finished while none was running")
        }
    }

    mutating func timerFired(now: NIODeadline) -> Action {
        switch self.state {
        case .waiting:
            self.state = .refreshing(requestedAgain: false)
            self.lastStart = now
            return .start
        case .idle, .refreshing:
            preconditionFailure("the topology refresh timer fired while no refresh was scheduled")
        }
    }

    private mutating func startOrSchedule(now: NIODeadline) -> Action {
        if let lastStart, now < lastStart + self.minimumInterval {
            self.state = .waiting
            return .schedule(at: lastStart + self.minimumInterval)
        }
        self.state = .refreshing(requestedAgain: false)
        self.lastStart = now
        return .start
    }
}
