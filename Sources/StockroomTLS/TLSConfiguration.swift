// TLSConfiguration: the settings a TLSContext is built from, plus the version and role enums it uses.

import NIOCore

/// A TLS protocol version this module can be limited to.
public enum TLSVersion: Sendable, Hashable, CustomStringConvertible {
    case tls12
    case tls13

    public var description: String {
        switch self {
        case .tls12: "TLSv1.2"
        case .tls13: "TLSv1.3"
        }
    }
}

/// Which end of the connection a `TLSContext` serves; it picks OpenSSL's client or server method.
public enum TLSRole: Sendable, Hashable {
    case client
    case server
}

/// Everything a `TLSContext` needs; files are PEM and are read once, when the context is built.
public struct TLSConfiguration: Sendable {
    /// Leaf certificate first, then any intermediates. Required for a server; optional client certificate otherwise.
    public var certificateChainFile: String?
    /// Private key matching the leaf of `certificateChainFile`.
    public var privateKeyFile: String?
    /// CA bundle used to verify the peer; `nil` uses OpenSSL's default system paths.
    public var trustRootsFile: String?
    /// Client: verify the server's chain and hostname. Server: require and verify a client certificate.
    public var verifyPeer: Bool
    public var minimumVersion: TLSVersion = .tls12
    /// `nil` lets OpenSSL negotiate the highest version it supports.
    public var maximumVersion: TLSVersion? = nil
    /// How long a close waits for our close_notify to be written before the channel is closed anyway,
    /// so a peer that stopped reading cannot keep a connection open forever.
    public var shutdownTimeout: Duration = .seconds(5)
    /// A handshake not complete this long after it began fails and closes the connection: a peer that
    /// stalls mid-handshake holds nothing for long.
    public var handshakeTimeout: Duration = .seconds(10)

    /// `verifyPeer` defaults to `true`, the safe choice for a client; `server(...)` turns it off.
    public init(
        certificateChainFile: String? = nil,
        privateKeyFile: String? = nil,
        trustRootsFile: String? = nil,
        verifyPeer: Bool = true
    ) {
        self.certificateChainFile = certificateChainFile
        self.privateKeyFile = privateKeyFile
        self.trustRootsFile = trustRootsFile
        self.verifyPeer = verifyPeer
    }

    /// A server presenting the given chain, not asking clients for certificates.
    public static func server(certificateChainFile: String, privateKeyFile: String) -> TLSConfiguration {
        TLSConfiguration(
            certificateChainFile: certificateChainFile,
            privateKeyFile: privateKeyFile,
            verifyPeer: false
        )
    }

    /// A client trusting `trustRootsFile` (or the system roots), verifying the server unless told not to.
    public static func client(trustRootsFile: String? = nil, verifyPeer: Bool = true) -> TLSConfiguration {
        TLSConfiguration(trustRootsFile: trustRootsFile, verifyPeer: verifyPeer)
    }
}
