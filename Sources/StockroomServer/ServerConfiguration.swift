import StockroomTLS
import StockroomWire

/// How the binary-protocol server listens and what it allows.
public struct ServerConfiguration: Sendable {
    public var host = "127.0.0.1"
    /// 0 picks a free port; `SalesServer.localAddress` tells which.
    public var port = 7400
    /// The largest `length` a frame may declare. Larger frames close the connection.
    public var maxFrameLength = FrameDecoder.defaultMaxFrameLength
    /// Requests a connection may have in flight. At the limit the server stops reading from the
    /// connection until an answer goes out; frames already read past it are answered OVERLOADED.
    public var maxInFlightPerConnection = 1024
    public var limits = ConnectionLimits()
    public var credentials = Credentials()
    /// Where `credentials` came from: reloaded on SIGHUP.
    public var credentialsFile: String?
    public var serverName = "stockroom"
    /// When set, every connection speaks TLS first.
    public var tls: TLSConfiguration?

    public init() {}
}

/// What one peer may cost the server, whatever it sends or fails to read.
public struct ConnectionLimits: Sendable, Hashable {
    /// Connections open at once. One more is closed as soon as it is accepted, so a crowd of idle
    /// connections cannot use up the file descriptors the served ones need.
    public var maxConnections = 4096
    /// Before a connection authenticates (on a server that requires it), frames larger than this
    /// close it: an unauthenticated peer can only say HELLO, AUTH and PING, all small.
    public var maxUnauthenticatedFrameLength = 1024
    /// HELLO (and AUTH, when required) must be done this long after connecting.
    public var handshakeTimeout: Duration = .seconds(10)
    /// A frame whose first bytes arrived must be complete within this: a peer trickling bytes is closed.
    public var frameTimeout: Duration = .seconds(10)
    /// A connection with nothing in flight that sends nothing for this long is closed.
    public var idleTimeout: Duration = .seconds(300)
    /// Unsent answers above this many bytes stop the server reading from the connection until they
    /// drain below `lowWaterMark`: memory per connection stays bounded even if the peer never reads.
    public var highWaterMark = 1 << 20
    public var lowWaterMark = 256 << 10

    public init() {}
}
