// RedisChannelHandler.StateMachine: in-flight commands of one channel (FIFO reply matching,
// timeouts, NOSCRIPT retry, close), free of I/O so it can be tested without sockets.

import NIOCore

/// An EVALSHA call, kept with its in-flight entry so that a NOSCRIPT reply can be retried.
struct EvalRequest: Sendable {
    var script: RedisScript
    var keys: [String]
    var arguments: [String]
}

extension RedisChannelHandler {
    /// What the reply to one in-flight command is for.
    enum ReplyTarget<Promise> {
        case command(Promise)
        case evalScript(Promise, EvalRequest, isRetry: Bool)
        /// SCRIPT LOAD sent after NOSCRIPT; on success the EVALSHA goes out again.
        case reloadScript(Promise, EvalRequest)
        /// SCRIPT LOAD pipelined ahead of a script's first EVALSHA on this connection; nobody waits on
        /// it because the EVALSHA behind it reports any failure (via the NOSCRIPT path).
        case preloadScript(sha1: String)
        /// ASKING ahead of a command redirected by a cluster's ASK; the command's own reply tells
        /// whether it worked, so nobody waits on this one.
        case asking

        var promise: Promise? {
            switch self {
            case .command(let promise), .evalScript(let promise, _, _), .reloadScript(let promise, _):
                return promise
            case .preloadScript, .asking:
                return nil
            }
        }
    }

    struct StateMachine<Promise> {
        struct Pending {
            var target: ReplyTarget<Promise>
            var deadline: NIODeadline?
        }

        private struct ActiveState {
            var pending: CircularBuffer<Pending>
            /// When the one timeout timer is armed for; nil when not armed.
            var timerDeadline: NIODeadline?
        }

        private enum State {
            case active(ActiveState)
            /// New commands are rejected with this error; they were never sent.
            case closed(rejectWith: RedisError)
            /// Only while a method holds the active state outside the enum, so that appending to
            /// `pending` doesn't copy the whole buffer.
            case modifying
        }

        private var state: State

        init() {
            self.state = .active(ActiveState(pending: CircularBuffer(initialCapacity: 64), timerDeadline: nil))
        }

        var isClosed: Bool {
            switch self.state {
            case .active: return false
            case .closed: return true
            case .modifying: preconditionFailure("state machine read while modifying")
            }
        }

        var inFlightCount: Int {
            switch self.state {
            case .active(let active): return active.pending.count
            case .closed: return 0
            case .modifying: preconditionFailure("state machine read while modifying")
            }
        }

        // MARK: Sending

        enum EnqueueAction {
            /// Encode the command; if `armTimerAt` is set, (re)arm the timeout timer for it.
            case write(armTimerAt: NIODeadline?)
            case reject(ReplyTarget<Promise>, RedisError)
        }

        mutating func enqueue(_ target: ReplyTarget<Promise>, deadline: NIODeadline?) -> EnqueueAction {
            switch self.state {
            case .active(var active):
                self.state = .modifying
                active.pending.append(Pending(target: target, deadline: deadline))
                var armTimerAt: NIODeadline?
                if let deadline, active.timerDeadline.map({ deadline < $0 }) ?? true {
                    active.timerDeadline = deadline
                    armTimerAt = deadline
                }
                self.state = .active(active)
                return .write(armTimerAt: armTimerAt)
            case .closed(let error):
                return .reject(target, error)
            case .modifying:
                preconditionFailure("state machine re-entered while modifying")
            }
        }

        // MARK: Replies

        enum ReplyAction {
            case succeed(Promise, RESPValue)
            case fail(Promise, RedisError)
            /// NOSCRIPT on a first attempt: send SCRIPT LOAD as `.reloadScript`.
            case reloadScript(Promise, EvalRequest)
            /// The reload worked: send the EVALSHA again as a retry.
            case retryEval(Promise, EvalRequest)
            /// A preload failed: it must be loaded again on next use.
            case forgetScript(sha1: String, message: String)
            case failAllAndClose(CircularBuffer<Pending>, RedisError)
            case none
        }

        mutating func replyReceived(_ reply: RESPValue) -> ReplyAction {
            switch self.state {
            case .active(var active):
                self.state = .modifying
                guard let pending = active.pending.popFirst() else {
                    let error = RedisError(.protocolError, "Redis sent a reply while no command was waiting for one")
                    self.state = .closed(rejectWith: Self.notConnected)
                    return .failAllAndClose(CircularBuffer(), error)
                }
                self.state = .active(active)
                return Self.action(for: pending.target, reply: reply)
            case .closed:
                // Read in the same batch as the close; its command has already been failed.
                return .none
            case .modifying:
                preconditionFailure("state machine re-entered while modifying")
            }
        }

        private static func action(for target: ReplyTarget<Promise>, reply: RESPValue) -> ReplyAction {
            switch target {
            case .command(let promise):
                if case .error(let message) = reply {
                    return .fail(promise, RedisError(.errorReply, message))
                }
                return .succeed(promise, reply)

            case .evalScript(let promise, let request, let isRetry):
                guard case .error(let message) = reply else {
                    return .succeed(promise, reply)
                }
                guard message.hasPrefix("NOSCRIPT") else {
                    return .fail(promise, RedisError(.errorReply, message))
                }
                if isRetry {
                    return .fail(
                        promise,
                        RedisError(.scriptNotLoaded, "script '\(request.script.name)' still unknown to Redis after SCRIPT LOAD: \(message)"
                        )
                    )
                }
                return .reloadScript(promise, request)

            case .reloadScript(let promise, let request):
                if case .error(let message) = reply {
                    return .fail(
                        promise,
                        RedisError(.errorReply, "SCRIPT LOAD of script '\(request.script.name)' failed: \(message)")
                    )
                }
                return .retryEval(promise, request)

            case .preloadScript(let sha1):
                if case .error(let message) = reply {
                    return .forgetScript(sha1: sha1, message: message)
                }
                return .none

            case .asking:
                return .none
            }
        }

        // MARK: Timeouts

        enum TimerAction {
            case none
            case arm(NIODeadline)
            /// Fail the late commands with `.timeout`, the rest with `.connectionClosed`, close the channel.
            case timeoutAndClose(timedOut: [Promise], others: [Promise])
        }

        mutating func timerFired(now: NIODeadline) -> TimerAction {
            switch self.state {
            case .active(var active):
                var earliest: NIODeadline?
                var expired = false
                for pending in active.pending {
                    guard let deadline = pending.deadline else { continue }
                    if deadline <= now {
                        expired = true
                        break
                    }
                    if earliest.map({ deadline < $0 }) ?? true {
                        earliest = deadline
                    }
                }
                guard expired else {
                    active.timerDeadline = earliest
                    self.state = .active(active)
                    return earliest.map { .arm($0) } ?? .none
                }
                // A lost reply would shift every later reply onto the wrong command, so nothing
                // still in flight on this connection can be trusted any more.
                var timedOut: [Promise] = []
                var others: [Promise] = []
                for pending in active.pending {
                    guard let promise = pending.target.promise else { continue }
                    if let deadline = pending.deadline, deadline <= now {
                        timedOut.append(promise)
                    } else {
                        others.append(promise)
                    }
                }
                self.state = .closed(rejectWith: Self.notConnected)
                return .timeoutAndClose(timedOut: timedOut, others: others)
            case .closed:
                return .none
            case .modifying:
                preconditionFailure("state machine re-entered while modifying")
            }
        }

        static var timeoutError: RedisError {
            RedisError(.timeout, "no reply from Redis within the command timeout; reconnecting")
        }

        static var closedByTimeoutError: RedisError {
            RedisError(.connectionClosed, "connection to Redis closed because an earlier command timed out")
        }

        // MARK: Closing

        enum CloseAction {
            case none
            case failAll(CircularBuffer<Pending>, RedisError, closeChannel: Bool)
        }

        /// Closes on purpose (owner's close, I/O error, unparsable input): everything in flight fails
        /// with `error`; later commands are rejected with `rejectWith`.
        mutating func close(failingWith error: RedisError, rejectWith: RedisError) -> CloseAction {
            switch self.state {
            case .active(let active):
                self.state = .closed(rejectWith: rejectWith)
                return .failAll(active.pending, error, closeChannel: true)
            case .closed:
                return .none
            case .modifying:
                preconditionFailure("state machine re-entered while modifying")
            }
        }

        /// The channel went away under us.
        mutating func channelInactive() -> CloseAction {
            switch self.state {
            case .active(let active):
                self.state = .closed(rejectWith: Self.notConnected)
                let error = RedisError(.connectionClosed, "connection to Redis lost while the command was in flight")
                return .failAll(active.pending, error, closeChannel: false)
            case .closed:
                return .none
            case .modifying:
                preconditionFailure("state machine re-entered while modifying")
            }
        }

        static var notConnected: RedisError {
            RedisError(.notConnected, "not connected to Redis (connection lost, reconnecting)")
        }
    }
}
