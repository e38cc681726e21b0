import NIOCore

/// When a connection has overstayed: no I/O, so each rule is tested with chosen instants.
///
/// - handshake: HELLO (and AUTH, when required) must be done `handshakeTimeout` after connecting;
/// - frame: a frame whose first bytes arrived must be complete within `frameTimeout`;
/// - idle: a connection with nothing in flight that sends nothing for `idleTimeout` is closed.
struct ConnectionDeadlines {
    enum Expiry: Equatable {
        case handshake(TimeAmount)
        case frame(TimeAmount)
        case idle(TimeAmount)
    }

    let handshakeTimeout: TimeAmount
    let frameTimeout: TimeAmount
    let idleTimeout: TimeAmount
    let connectedAt: NIODeadline

    init(_ limits: ConnectionLimits, connectedAt: NIODeadline) {
        self.handshakeTimeout = TimeAmount(limits.handshakeTimeout)
        self.frameTimeout = TimeAmount(limits.frameTimeout)
        self.idleTimeout = TimeAmount(limits.idleTimeout)
        self.connectedAt = connectedAt
    }

    /// How often the connection's clock asks: a quarter of the shortest deadline, between 50 ms and
    /// 1 s, so a deadline is enforced at most a quarter late and 10,000 idle connections cost little.
    var checkInterval: TimeAmount {
        let shortest = min(handshakeTimeout, frameTimeout, idleTimeout)
        return min(max(.nanoseconds(shortest.nanoseconds / 4), .milliseconds(50)), .seconds(1))
    }

    func expiry(
        at now: NIODeadline,
        authenticated: Bool,
        partialFrameSince: NIODeadline?,
        lastReadAt: NIODeadline,
        inFlight: Int
    ) -> Expiry? {
        if !authenticated, now - connectedAt >= handshakeTimeout {
            return .handshake(handshakeTimeout)
        }
        if let partialFrameSince, now - partialFrameSince >= frameTimeout {
            return .frame(frameTimeout)
        }
        if inFlight == 0, now - lastReadAt >= idleTimeout {
            return .idle(idleTimeout)
        }
        return nil
    }
}
