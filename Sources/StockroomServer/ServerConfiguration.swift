import StockroomTLS
import StockroomWire

/// How the binary-protocol server listens and what it allows.
public struct ServerConfiguration: Sendable {
    public var host = "127.0.0.1"
    /// 0 picks a free port; `SalesServer.localAddress` tells which.
    public var port = 7400
    /// The largest `length` a frame may declare. Larger frames close the connection.
    public var maxFrameLength = FrameDecoder.defaultMaxFrameLength
    /// Requests a connection may have in flight; more are answered OVERLOADED.
    public var maxInFlightPerConnection = 1024
    public var credentials = Credentials()
    public var serverName = "stockroom"
    /// When set, every connection speaks TLS first.
    public var tls: TLSConfiguration?

    public init() {}
}
