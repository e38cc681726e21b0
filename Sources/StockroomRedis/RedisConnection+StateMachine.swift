// RedisConnection.StateMachine: the connect / ready / back-off / closed lifecycle of one
// RedisConnection, free of I/O so it can be tested without sockets.

extension RedisConnection {
    /// `Connection` is the per-channel object (the channel handler in production); it is compared
    /// by identity so that the loss of an old channel can't disturb a newer one.
    struct StateMachine<Connection: AnyObject> {
        private enum State {
            case idle
            /// TCP connect, then the handshake once `connection` is known.
            case connecting(attempt: Int, connection: Connection?, hasBeenReady: Bool)
            case ready(Connection)
            case waitingToReconnect(attempt: Int)
            case closed
        }

        private var state: State = .idle

        init() {}

        var isReady: Bool {
            switch self.state {
            case .ready: return true
            case .idle, .connecting, .waitingToReconnect, .closed: return false
            }
        }

        enum ConnectAction {
            case connect(attempt: Int)
        }

        mutating func start() -> ConnectAction {
            switch self.state {
            case .idle:
                self.state = .connecting(attempt: 0, connection: nil, hasBeenReady: false)
                return .connect(attempt: 0)
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
            case .connecting(let attempt, nil, let hasBeenReady):
                self.state = .connecting(attempt: attempt, connection: connection, hasBeenReady: hasBeenReady)
                return .handshake(connection)
            case .closed:
                return .close(connection)
            case .connecting(_, .some, _):
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
            case .connecting(_, .some(let current), let hasBeenReady) where current === connection:
                self.state = .ready(connection)
                return .becomeReady(connection, isFirst: !hasBeenReady)
            case .closed:
                return .close(connection)
            case .idle, .connecting, .ready, .waitingToReconnect:
                preconditionFailure("handshake finished for a channel that is not connecting")
            }
        }

        enum FailureAction {
            /// The very first attempt failed: report it to whoever called connect, and stop.
            case failStartup(RedisError)
            case scheduleReconnect(attempt: Int, after: RedisError)
            case none
        }

        /// The TCP connect or the handshake failed.
        mutating func connectFailed(_ error: RedisError) -> FailureAction {
            switch self.state {
            case .connecting(_, _, hasBeenReady: false):
                self.state = .closed
                return .failStartup(error)
            case .connecting(let attempt, _, hasBeenReady: true):
                self.state = .waitingToReconnect(attempt: attempt + 1)
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
            case .ready(let current) where current === connection:
                self.state = .waitingToReconnect(attempt: 0)
                return .scheduleReconnect(
                    attempt: 0,
                    after: RedisError(.connectionClosed, "connection to Redis lost")
                )
            case .idle, .connecting, .ready, .waitingToReconnect, .closed:
                return .none
            }
        }

        enum ReconnectAction {
            case connect(attempt: Int)
            case none
        }

        mutating func reconnectTimerFired() -> ReconnectAction {
            switch self.state {
            case .waitingToReconnect(let attempt):
                self.state = .connecting(attempt: attempt, connection: nil, hasBeenReady: true)
                return .connect(attempt: attempt)
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
            case .ready(let connection):
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
            case .connecting(_, let connection, let hasBeenReady):
                self.state = .closed
                return .closeConnection(connection, failStartup: !hasBeenReady)
            case .ready(let connection):
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
