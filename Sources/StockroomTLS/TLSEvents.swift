// TLSHandshakeCompletedEvent: the user inbound event OpenSSLHandler fires when a connection becomes usable.

/// Fired through `fireUserInboundEventTriggered` once the handshake has completed; plaintext written
/// before it was queued and is being sent as this event goes by.
public struct TLSHandshakeCompletedEvent: Sendable, Hashable {
    /// OpenSSL's name for the negotiated version: "TLSv1.3" or "TLSv1.2".
    public var protocolVersion: String
    /// OpenSSL's name for the negotiated cipher suite, e.g. "TLS_AES_256_GCM_SHA384".
    public var cipherSuite: String?

    public init(protocolVersion: String, cipherSuite: String?) {
        self.protocolVersion = protocolVersion
        self.cipherSuite = cipherSuite
    }
}
