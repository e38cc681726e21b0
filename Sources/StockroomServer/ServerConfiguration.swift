import StockroomTLS
import StockroomWire

/// How the binary-protocol server listens and what it allows.
public struct ServerConfiguration: Sendable {
    /// The plaintext listener; nil serves TLS only.
    public var listen: Endpoint? = Endpoint(host: "127.0.0.1", port: 7400)
    /// The TLS listener, beside the plaintext one; needs `tls`.
    public var tlsListen: Endpoint?
    /// Certificate, key and (for mutual TLS) the client CA of `tlsListen`. SIGHUP reloads the files.
    public var tls: TLSConfiguration?
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

    public init() {}

    /// A server speaking TLS only, on `endpoint`.
    public mutating func serveTLSOnly(on endpoint: Endpoint, _ tls: TLSConfiguration) {
        self.listen = nil
        self.tlsListen = endpoint
        self.tls = tls
    }
}

/// A host and port to listen on; port 0 picks a free one.
public struct Endpoint: Sendable, Hashable, CustomStringConvertible {
    public var host: String
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}

/// What one peer may cost the server, whatever it sends or fails to read.
public struct ConnectionLimits: Sendable, Hashable {
    /// Connections open at once, over both listeners. One more is closed as soon as it is accepted, so
    /// a crowd of idle connections cannot use up the file descriptors the served ones need.
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
