// RedisConnection.StateMachine: the connect / ready / back-off / closed lifecycle of one
// RedisConnection, free of I/O so it can be tested without sockets.

extension RedisConnection {
    /// `Connection` is the per-channel object (the channel handler in production); it is compared
    /// by identity so that the loss of an old channel can't disturb a newer one.
    struct StateMachine<Connection: AnyObject> {
        private enum State {
            case idle
            /// TCP connect to `seed`, then the handshake once `connection` is known.
            case connecting(attempt: Int, seed: Int, connection: Connection?, hasBeenReady: Bool)
            case ready(Connection, seed: Int)
            case waitingToReconnect(attempt: Int, seed: Int)
            case closed
        }

        private var state: State = .idle
        /// How many addresses start-up may try, in order, before it gives up.
        private let seedCount: Int
        /// A cluster's connection to one node keeps trying even when its very first attempt fails:
        /// the node may come back, and its slots fail fast as unavailable meanwhile.
        private let retriesFirstConnect: Bool

        init(seedCount: Int = 1, retriesFirstConnect: Bool = false) {
            precondition(seedCount >= 1, "a connection needs at least one address")
            self.seedCount = seedCount
            self.retriesFirstConnect = retriesFirstConnect
        }

        var isReady: Bool {
            switch self.state {
            case .ready: return true
            case .idle, .connecting, .waitingToReconnect, .closed: return false
            }
        }

        enum ConnectAction {
            case connect(attempt: Int, seed: Int)
        }

        mutating func start() -> ConnectAction {
            switch self.state {
            case .idle:
                self.state = .connecting(attempt: 0, seed: 0, connection: nil, hasBeenReady: false)
                return .connect(attempt: 0, seed: 0)
            case .connecting, .ready, .waitingToReconnect, .closed:
                preconditionFailure("a RedisConnection is started exactly once")
            }
        }

        enum HandshakeAction {
            case handshake(Connection)
            case close(Connection)
        }

        /// TCP is up; AUTH/SELECT/SCRIPT LOAD come next.
        mutating func channelConnected(_ connection: Connection) -> HandshakeAction {
            switch self.state {
            case .connecting(let attempt, let seed, nil, let hasBeenReady):
                self.state = .connecting(attempt: attempt, seed: seed, connection: connection, hasBeenReady: hasBeenReady)
                return .handshake(connection)
            case .closed:
                return .close(connection)
            case .connecting(_, _, .some, _):
                preconditionFailure("two channels connected for one attempt")
            case .idle, .ready, .waitingToReconnect:
                preconditionFailure("channel connected without a connect attempt")
            }
        }

        enum ReadyAction {
            /// Start routing commands to `connection`; succeed the start-up future if `isFirst`.
            case becomeReady(Connection, isFirst: Bool)
            case close(Connection)
        }

        mutating func handshakeSucceeded(_ connection: Connection) -> ReadyAction {
            switch self.state {
            case .connecting(_, let seed, .some(let current), let hasBeenReady) where current === connection:
                self.state = .ready(connection, seed: seed)
                return .becomeReady(connection, isFirst: !hasBeenReady)
            case .closed:
                return .close(connection)
            case .idle, .connecting, .ready, .waitingToReconnect:
                preconditionFailure("handshake finished for a channel that is not connecting")
            }
        }

        enum FailureAction {
            /// Start-up failed on one seed: try the next one at once.
            case connectToNextSeed(seed: Int, after: RedisError)
            /// Every seed failed at start-up: report it to whoever called connect, and stop.
            case failStartup(RedisError)
            /// Report the failed start-up, and keep trying (a cluster's connection to one node).
            case failStartupAndReconnect(attempt: Int, after: RedisError)
            case scheduleReconnect(attempt: Int, after: RedisError)
            case none
        }

        /// The TCP connect or the handshake failed.
        mutating func connectFailed(_ error: RedisError) -> FailureAction {
            switch self.state {
            case .connecting(_, let seed, _, hasBeenReady: false) where seed + 1 < self.seedCount:
                self.state = .connecting(attempt: 0, seed: seed + 1, connection: nil, hasBeenReady: false)
                return .connectToNextSeed(seed: seed + 1, after: error)
            case .connecting(_, let seed, _, hasBeenReady: false):
                guard self.retriesFirstConnect else {
                    self.state = .closed
                    return .failStartup(error)
                }
                self.state = .waitingToReconnect(attempt: 1, seed: seed)
                return .failStartupAndReconnect(attempt: 1, after: error)
            case .connecting(let attempt, let seed, _, hasBeenReady: true):
                self.state = .waitingToReconnect(attempt: attempt + 1, seed: seed)
                return .scheduleReconnect(attempt: attempt + 1, after: error)
            case .closed:
                return .none
            case .idle, .ready, .waitingToReconnect:
                preconditionFailure("connect failed without a connect attempt")
            }
        }

        /// A channel closed. Only the ready one matters: others were already given up on.
        mutating func connectionLost(_ connection: Connection) -> FailureAction {
            switch self.state {
            case .ready(let current, let seed) where current === connection:
                self.state = .waitingToReconnect(attempt: 0, seed: seed)
                return .scheduleReconnect(
                    attempt: 0,
                    after: RedisError(.connectionClosed, "connection to Redis lost")
                )
            case .idle, .connecting, .ready, .waitingToReconnect, .closed:
                return .none
            }
        }

        enum ReconnectAction {
            /// Reconnects go to the seed that answered at start-up.
            case connect(attempt: Int, seed: Int)
            case none
        }

        mutating func reconnectTimerFired() -> ReconnectAction {
            switch self.state {
            case .waitingToReconnect(let attempt, let seed):
                // Start-up is over either way: it succeeded, or it failed and was reported.
                self.state = .connecting(attempt: attempt, seed: seed, connection: nil, hasBeenReady: true)
                return .connect(attempt: attempt, seed: seed)
            case .closed:
                return .none
            case .idle, .connecting, .ready:
                preconditionFailure("reconnect timer fired while not waiting to reconnect")
            }
        }

        enum SendAction {
            case send(Connection)
            case fail(RedisError)
        }

        func send() -> SendAction {
            switch self.state {
            case .ready(let connection, _):
                return .send(connection)
            case .idle, .connecting, .waitingToReconnect:
                return .fail(RedisError(.notConnected, "not connected to Redis (reconnecting)"))
            case .closed:
                return .fail(RedisError(.closed, "the Redis connection was closed"))
            }
        }

        enum CloseAction {
            case closeConnection(Connection?, failStartup: Bool)
            case cancelReconnectTimer
            case none
        }

        mutating func close() -> CloseAction {
            switch self.state {
            case .idle:
                self.state = .closed
                return .none
            case .connecting(_, _, let connection, let hasBeenReady):
                self.state = .closed
                return .closeConnection(connection, failStartup: !hasBeenReady)
            case .ready(let connection, _):
                self.state = .closed
                return .closeConnection(connection, failStartup: false)
            case .waitingToReconnect:
                self.state = .closed
                return .cancelReconnectTimer
            case .closed:
                return .none
            }
        }
    }
}
