import NIOCore
import StockroomTLS

/// Where and how a client connects.
public struct StockroomClientConfiguration: Sendable {
    public var host: String
    public var port: Int
    /// Connections in the pool; calls are spread over them round-robin.
    public var connections = 1
    public var connectTimeout: Duration = .seconds(3)
    /// How long one call may wait for its answer before it fails with `.timeout`.
    public var requestTimeout: Duration = .seconds(5)
    /// Sent with AUTH after HELLO when set; needed when the server requires authentication.
    public var token: String?
    public var clientName = "stockroom-swift"
    public var maxFrameLength = 65_536
    /// When set, connections speak TLS; `tlsServerName` is checked against the certificate.
    public var tls: TLSConfiguration?
    public var tlsServerName: String?

    public init(host: String = "127.0.0.1", port: Int = 7400) {
        self.host = host
        self.port = port
    }
}
