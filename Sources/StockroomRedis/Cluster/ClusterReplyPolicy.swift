// ClusterReplyPolicy: what the cluster router does with a failed attempt of a routed command.
// Pure (no I/O, time passed in), so every rule is unit-tested with made-up replies and instants.

import NIOCore

/// Decides, from an attempt's error, whether a command is resent, where, and when.
///
/// No blind retries: a command goes out again only when Redis said it did not run it (`MOVED`,
/// `ASK`, `TRYAGAIN`, `CLUSTERDOWN`, `READONLY`; `NOSCRIPT` is handled by the node's own connection). An error
/// after the command was written (connection lost, timeout) is the caller's answer: it may have run.
struct ClusterReplyPolicy: Sendable {
    /// MOVED and ASK redirects one command may follow; more means the cluster is in flux.
    var maximumRedirects = 5
    /// Pauses between retries of TRYAGAIN and CLUSTERDOWN.
    var retryBackoff = Backoff(initial: .milliseconds(20), maximum: .milliseconds(500), multiplier: 2)
    /// How long a command keeps being retried after its first TRYAGAIN or CLUSTERDOWN.
    var retryBudget: TimeAmount = .seconds(2)

    /// What one command has been through so far.
    struct Progress: Sendable {
        var redirects = 0
        var retries = 0
        var firstRetryAt: NIODeadline?
    }

    enum Decision {
        /// The error is the command's answer. `refreshTopology` when it hints the map is stale
        /// (the node is unreachable: a failover may be under way).
        case deliver(refreshTopology: Bool)
        /// `MOVED`: the slot lives on `node` now; update the map, refresh it, resend there.
        case moved(slot: Int, to: RedisNodeAddress)
        /// `ASK`: resend once to `node` behind `ASKING`; the map stays as it is.
        case ask(to: RedisNodeAddress)
        /// `TRYAGAIN`/`CLUSTERDOWN`/`READONLY`: route again after `delay` (the map is refreshed meanwhile).
        case retry(after: TimeAmount)
        case fail(RedisError)
    }

    func decide(
        _ error: RedisError,
        progress: inout Progress,
        now: NIODeadline,
        using generator: inout some RandomNumberGenerator
    ) -> Decision {
        guard error.code == .errorReply else {
            return .deliver(refreshTopology: error.code == .notConnected || error.code == .connectionClosed)
        }
        switch Redirect(error.message) {
        case nil:
            return .deliver(refreshTopology: false)
        case .moved(let slot, let node):
            return self.follow(.moved(slot: slot, to: node), error: error, progress: &progress)
        case .ask(_, let node):
            return self.follow(.ask(to: node), error: error, progress: &progress)
        case .tryAgain, .clusterDown, .readOnly:
            let firstRetryAt = progress.firstRetryAt ?? now
            progress.firstRetryAt = firstRetryAt
            let delay = TimeAmount(self.retryBackoff.delay(attempt: progress.retries, using: &generator))
            guard now + delay <= firstRetryAt + self.retryBudget else {
                return .fail(RedisError(.clusterDown, "the cluster did not serve the command within \(self.retryBudget.nanoseconds / 1_000_000) ms: \(error.message)"))
            }
            progress.retries += 1
            return .retry(after: delay)
        }
    }

    private func follow(_ redirect: Decision, error: RedisError, progress: inout Progress) -> Decision {
        guard progress.redirects < self.maximumRedirects else {
            return .fail(RedisError(.clusterDown, "more than \(self.maximumRedirects) cluster redirects, the last: \(error.message)"))
        }
        progress.redirects += 1
        return redirect
    }

    /// The error replies by which a cluster says it did not run a command.
    enum Redirect: Equatable {
        case moved(slot: Int, RedisNodeAddress)
        case ask(slot: Int, RedisNodeAddress)
        case tryAgain
        case clusterDown
        /// The node was demoted to a replica after the map was read (the write did not run).
        case readOnly

        /// `MOVED 3999 127.0.0.1:7002`, `ASK 3999 127.0.0.1:7002`, `TRYAGAIN …`, `CLUSTERDOWN …`, `READONLY …`.
        init?(_ message: String) {
            if message.hasPrefix("TRYAGAIN") {
                self = .tryAgain
                return
            }
            if message.hasPrefix("CLUSTERDOWN") {
                self = .clusterDown
                return
            }
            if message.hasPrefix("READONLY") {
                self = .readOnly
                return
            }
            let parts = message.split(separator: " ")
            guard parts.count == 3, let slot = Int(parts[1]), (0..<HashSlot.count).contains(slot),
                let node = RedisNodeAddress(redirectTarget: parts[2])
            else { return nil }
            switch parts[0] {
            case "MOVED": self = .moved(slot: slot, node)
            case "ASK": self = .ask(slot: slot, node)
            default: return nil
            }
        }
    }
}

extension ClusterReplyPolicy.Decision: Equatable {
    /// Errors compare by code and message (``RedisError`` itself is not Equatable: it may carry any cause).
    static func == (lhs: Self, rhs: Self) -> Bool {
        switch (lhs, rhs) {
        case (.deliver(let left), .deliver(let right)): return left == right
        case (.moved(let leftSlot, let left), .moved(let rightSlot, let right)): return leftSlot == rightSlot && left == right
        case (.ask(let left), .ask(let right)): return left == right
        case (.retry(let left), .retry(let right)): return left == right
        case (.fail(let left), .fail(let right)): return left.code == right.code && left.message == right.message
        case (.deliver, _), (.moved, _), (.ask, _), (.retry, _), (.fail, _): return false
        }
    }
}
