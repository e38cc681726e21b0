import NIOCore
import StockroomWire

/// The protocol rules of one client connection, without any I/O.
///
/// ```
///  awaitingHello ──HELLO──► open(role?, inFlight) ──quiesce──► draining(inFlight) ──0 in flight──► closed
///        │                        │   ▲ AUTH sets (or replaces) the role
///        └─anything else─► closed ◄┴── fatal errors (FRAME_TOO_LARGE, second HELLO, bad header,
///                                      request id 0, 3rd failed AUTH, a deadline passed)
/// ```
/// The handler feeds it frames and completions and performs the `Action`s it returns.
struct ConnectionStateMachine {
    enum Action {
        /// Answer at once; nothing runs.
        case reply(ResponseEnvelope)
        /// Answer, then close: the connection cannot go on (see `ErrorCode.closesConnection`).
        case replyAndClose(ResponseEnvelope)
        /// Run the request against the store; `requestCompleted()` must follow when it has answered.
        case execute(requestID: UInt32, request: Request)
        /// AUTH succeeded: answer, and note who authenticated.
        case authenticated(ResponseEnvelope, Credential)
        /// AUTH failed: answer (and close when `closes`), count and log it. `throttled`: the address had
        /// too many recent failures, so the token was not even checked.
        case authenticationFailed(ResponseEnvelope, closes: Bool, throttled: Bool)
        case close
        case none
    }

    private enum State {
        case awaitingHello
        case open(role: Role?, inFlight: Int)
        case draining(inFlight: Int)
        case closed
    }

    private var state: State = .awaitingHello
    private let credentialStore: CredentialStore
    /// The credentials as they were at HELLO: whether this connection must authenticate.
    private var credentials: Credentials
    private let throttle: AuthenticationThrottle
    /// The peer's address, for the throttle.
    private let peer: String
    private var failedAuthentications = 0
    /// The version HELLO chose.
    private var version = ProtocolVersion.current
    private let maxInFlight: Int
    private let maxFrameLength: Int
    private let serverName: String

    init(
        credentials: CredentialStore,
        throttle: AuthenticationThrottle = AuthenticationThrottle(),
        peer: String = "",
        maxInFlight: Int,
        maxFrameLength: Int,
        serverName: String
    ) {
        self.credentialStore = credentials
        self.credentials = credentials.current
        self.throttle = throttle
        self.peer = peer
        self.maxInFlight = maxInFlight
        self.maxFrameLength = maxFrameLength
        self.serverName = serverName
    }

    mutating func frameReceived(_ frame: Frame) -> Action {
        if frame.requestID == 0 {
            // Id 0 belongs to answers about the connection; a request carrying it could never be matched.
            state = .closed
            let error = WireError(.badFrame, "request id 0 is reserved for connection-level errors")
            return .replyAndClose(ResponseEnvelope(requestID: 0, response: .error(error)))
        }
        switch state {
        case .closed:
            return .none
        case .awaitingHello where frame.opcode != .hello:
            return fail(frame.requestID, WireError(.helloRequired, "the first frame must be HELLO"))
        case .open(role: nil, _) where ![.hello, .auth, .ping].contains(frame.opcode):
            // Refused before its payload is decoded: an unauthenticated peer costs no decoding work.
            return fail(frame.requestID, WireError(.unauthenticated, "authenticate with AUTH first"))
        default:
            break
        }
        let envelope: RequestEnvelope
        do {
            envelope = try RequestEnvelope(decoding: frame)
        } catch {
            if case .awaitingHello = state {
                // Nothing is agreed before HELLO_OK, not even the version: every error then closes.
                state = .closed
                let wireError = error as? WireError ?? WireError(.internalError, "\(error)")
                return .replyAndClose(ResponseEnvelope(requestID: frame.requestID, response: .error(wireError)))
            }
            return fail(frame.requestID, error)
        }
        let requestID = envelope.requestID

        switch state {
        case .awaitingHello:
            guard case .hello(let hello) = envelope.request else {
                return fail(requestID, WireError(.helloRequired, "the first frame must be HELLO"))
            }
            guard hello.minVersion <= hello.maxVersion,
                let version = ProtocolVersion.negotiate(hello.minVersion...hello.maxVersion)
            else {
                let message = "client speaks \(hello.minVersion)-\(hello.maxVersion), server speaks "
                    + "\(ProtocolVersion.supported.lowerBound)-\(ProtocolVersion.supported.upperBound)"
                return fail(requestID, WireError(.unsupportedVersion, message))
            }
            credentials = credentialStore.current
            self.version = version
            let accepted = HelloOK(
                version: version,
                maxFrameLength: UInt32(maxFrameLength),
                maxInFlight: UInt32(clamping: maxInFlight),
                authenticationRequired: credentials.authenticationRequired,
                serverName: serverName
            )
            state = .open(role: credentials.anonymousRole, inFlight: 0)
            return .reply(ResponseEnvelope(requestID: requestID, response: .helloOK(accepted)))

        case .open(let role, let inFlight):
            return requestReceived(envelope, role: role, inFlight: inFlight)

        case .draining:
            return fail(requestID, WireError(.shuttingDown, "the server is shutting down; reconnect to another"))

        case .closed:
            preconditionFailure("frames after close are dropped above")
        }
    }

    private mutating func requestReceived(_ envelope: RequestEnvelope, role: Role?, inFlight: Int) -> Action {
        let requestID = envelope.requestID
        switch envelope.request {
        case .hello:
            return fail(requestID, WireError(.helloRequired, "HELLO may be sent only once"))
        case .ping(let bytes):
            return .reply(ResponseEnvelope(requestID: requestID, response: .pong(bytes)))
        case .auth(let token):
            return authenticate(token, requestID: requestID, role: role, inFlight: inFlight)
        case .purchase, .stockGet, .stockSet, .stockAdjust:
            guard let role else {
                return fail(requestID, WireError(.unauthenticated, "authenticate with AUTH first"))
            }
            guard role.may(envelope.request) else {
                return fail(requestID, WireError(.forbidden, "the \(role.name) role may not \(envelope.request.opcode)"))
            }
            guard inFlight < maxInFlight else {
                return fail(requestID, WireError(.overloaded, "more than \(maxInFlight) requests in flight"))
            }
            state = .open(role: role, inFlight: inFlight + 1)
            return .execute(requestID: requestID, request: envelope.request)
        }
    }

    /// AUTH: a token that matches sets the connection's role (a second AUTH replaces it); one that does
    /// not leaves the role as it was. On a server without credentials every connection is already
    /// admin, and AUTH says so whatever the token.
    private mutating func authenticate(_ token: String, requestID: UInt32, role: Role?, inFlight: Int) -> Action {
        guard credentials.authenticationRequired else {
            return .reply(ResponseEnvelope(requestID: requestID, response: .authOK(.admin)))
        }
        guard throttle.mayAttempt(from: peer) else {
            state = .closed
            let error = WireError(.unauthenticated, "too many failed AUTH attempts from this address; try again later")
            return .authenticationFailed(ResponseEnvelope(requestID: requestID, response: .error(error)), closes: true, throttled: true)
        }
        // The store's current credentials: a reload applies to the next AUTH.
        guard let credential = credentialStore.current.credential(for: token) else {
            throttle.recordFailure(from: peer)
            failedAuthentications += 1
            let closes = failedAuthentications >= throttle.policy.failuresPerConnection
            let error = WireError(
                .unauthenticated,
                closes ? "the token was not accepted; \(failedAuthentications) failed attempts close the connection" : "the token was not accepted"
            )
            if closes { state = .closed }
            return .authenticationFailed(ResponseEnvelope(requestID: requestID, response: .error(error)), closes: closes, throttled: false)
        }
        if credential.role == .ops, version < ProtocolVersion.announcesInFlightLimit {
            // Version 1 has no word for OPS. Not a guess: the token was right, so nothing is throttled.
            let error = WireError(.unauthenticated, "the ops role needs protocol version 2: offer it in HELLO")
            return .reply(ResponseEnvelope(requestID: requestID, response: .error(error)))
        }
        state = .open(role: credential.role, inFlight: inFlight)
        return .authenticated(ResponseEnvelope(requestID: requestID, response: .authOK(credential.role)), credential)
    }

    /// A request started by `.execute` has been answered.
    mutating func requestCompleted() -> Action {
        switch state {
        case .open(let role, let inFlight):
            precondition(inFlight > 0, "a request completed that was never started")
            state = .open(role: role, inFlight: inFlight - 1)
            return .none
        case .draining(let inFlight):
            precondition(inFlight > 0, "a request completed that was never started")
            if inFlight == 1 {
                state = .closed
                return .close
            }
            state = .draining(inFlight: inFlight - 1)
            return .none
        case .closed:
            return .none
        case .awaitingHello:
            preconditionFailure("no request can be in flight before HELLO")
        }
    }

    /// The server is shutting down: finish what is in flight, then close.
    mutating func quiesce() -> Action {
        switch state {
        case .awaitingHello, .open(_, inFlight: 0), .draining(inFlight: 0):
            state = .closed
            return .close
        case .open(_, let inFlight):
            state = .draining(inFlight: inFlight)
            return .none
        case .draining, .closed:
            return .none
        }
    }

    /// Whether the connection may send requests: HELLO done, and AUTH when the server requires it.
    var isAuthenticated: Bool {
        switch state {
        case .open(let role, _): role != nil
        case .draining: true
        case .awaitingHello, .closed: false
        }
    }

    /// Requests started and not yet answered.
    var inFlight: Int {
        switch state {
        case .open(_, let inFlight), .draining(let inFlight): inFlight
        case .awaitingHello, .closed: 0
        }
    }

    /// The connection overstayed one of its deadlines (``ConnectionDeadlines``): tell the peer why,
    /// with request id 0, and close. An idle connection is closed without a word, as Redis does.
    mutating func deadlinePassed(_ expiry: ConnectionDeadlines.Expiry) -> Action {
        guard case .closed = state else {
            state = .closed
            let error: WireError
            switch expiry {
            case .handshake(let limit):
                error = credentials.authenticationRequired
                    ? WireError(.unauthenticated, "no HELLO and AUTH within \(Self.seconds(limit))")
                    : WireError(.helloRequired, "no HELLO within \(Self.seconds(limit))")
            case .frame(let limit):
                error = WireError(.badFrame, "a frame was not complete within \(Self.seconds(limit))")
            case .idle:
                return .close
            }
            return .replyAndClose(ResponseEnvelope(requestID: 0, response: .error(error)))
        }
        return .none
    }

    /// `10 s`, `0.3 s`: for the messages a peer reads.
    private static func seconds(_ amount: TimeAmount) -> String {
        let milliseconds = amount.nanoseconds / 1_000_000
        return milliseconds % 1000 == 0 ? "\(milliseconds / 1000) s" : "\(Double(milliseconds) / 1000) s"
    }

    /// The frame decoder gave up on the byte stream: answer with request id 0 and close, whatever
    /// the code, because no later frame boundary can be trusted.
    mutating func streamFailed(_ error: WireError) -> Action {
        // Bytes that arrive while the close is under way fail again: the peer hears about it once.
        if case .closed = state { return .none }
        state = .closed
        return .replyAndClose(ResponseEnvelope(requestID: 0, response: .error(error)))
    }

    mutating func channelClosed() {
        state = .closed
    }

    private mutating func fail(_ requestID: UInt32, _ error: any Error) -> Action {
        let wireError = error as? WireError ?? WireError(.internalError, "\(error)")
        let envelope = ResponseEnvelope(requestID: requestID, response: .error(wireError))
        guard wireError.code.closesConnection else { return .reply(envelope) }
        state = .closed
        return .replyAndClose(envelope)
    }
}

extension Role {
    /// What each role may ask: sales buys and reads, ops reads, admin also changes stock by hand.
    func may(_ request: Request) -> Bool {
        switch request {
        case .hello, .auth, .ping, .stockGet: true
        case .purchase: self == .sales || self == .admin
        case .stockSet, .stockAdjust: self == .admin
        }
    }
}
