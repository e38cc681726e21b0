import StockroomWire

/// The protocol rules of one client connection, without any I/O.
///
/// ```
///  awaitingHello ──HELLO──► open(role?, inFlight) ──quiesce──► draining(inFlight) ──0 in flight──► closed
///        │                        │   ▲ AUTH sets the role
///        └─anything else─► closed ◄┴── fatal errors (FRAME_TOO_LARGE, second HELLO, bad header)
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
    private let credentials: Credentials
    private let maxInFlight: Int
    private let helloOK: HelloOK

    init(credentials: Credentials, maxInFlight: Int, maxFrameLength: Int, serverName: String) {
        self.credentials = credentials
        self.maxInFlight = maxInFlight
        self.helloOK = HelloOK(
            version: ProtocolVersion.current,
            maxFrameLength: UInt32(maxFrameLength),
            authenticationRequired: credentials.authenticationRequired,
            serverName: serverName
        )
    }

    mutating func frameReceived(_ frame: Frame) -> Action {
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
            var accepted = helloOK
            accepted.version = version
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
            guard let granted = credentials.role(for: token) else {
                return fail(requestID, WireError(.unauthenticated, "the token was not accepted"))
            }
            state = .open(role: granted, inFlight: inFlight)
            return .reply(ResponseEnvelope(requestID: requestID, response: .authOK(granted)))
        case .purchase, .stockGet, .stockSet, .stockAdjust:
            guard let role else {
                return fail(requestID, WireError(.unauthenticated, "authenticate with AUTH first"))
            }
            if envelope.request.needsAdmin, role != .admin {
                return fail(requestID, WireError(.forbidden, "\(envelope.request.opcode) needs the admin role"))
            }
            guard inFlight < maxInFlight else {
                return fail(requestID, WireError(.overloaded, "more than \(maxInFlight) requests in flight"))
            }
            state = .open(role: role, inFlight: inFlight + 1)
            return .execute(requestID: requestID, request: envelope.request)
        }
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
                    ? WireError(.unauthenticated, "no HELLO and AUTH within \(limit)")
                    : WireError(.helloRequired, "no HELLO within \(limit)")
            case .frame(let limit):
                error = WireError(.badFrame, "a frame was not complete within \(limit)")
            case .idle:
                return .close
            }
            return .replyAndClose(ResponseEnvelope(requestID: 0, response: .error(error)))
        }
        return .none
    }

    /// The frame decoder gave up on the byte stream: answer with request id 0 and close, whatever
    /// the code, because no later frame boundary can be trusted.
    mutating func streamFailed(_ error: WireError) -> Action {
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

extension Request {
    /// Requests that change a SKU's settings or stock by hand: the ADMIN role's.
    var needsAdmin: Bool {
        switch self {
        case .stockSet, .stockAdjust: true
        case .hello, .auth, .ping, .purchase, .stockGet: false
        }
    }
}
