// TLSContext: an OpenSSL SSL_CTX built from a TLSConfiguration, shared by every connection of one role.

import COpenSSL

/// Holds the certificates, keys and trust store for many connections.
///
/// Build one per configuration and role at start-up and share it: loading files and
/// parsing keys happens here once, not per connection.
public final class TLSContext: Sendable {
    // OpenSSL documents an SSL_CTX as safe to share between threads once it is no longer being
    // configured. Every mutation happens in `init`, so afterwards the pointer is only read.
    nonisolated(unsafe) let sslContext: OpaquePointer
    public let configuration: TLSConfiguration
    public let role: TLSRole

    public init(configuration: TLSConfiguration, role: TLSRole) throws(TLSError) {
        ERR_clear_error()
        let method = role == .client ? TLS_client_method() : TLS_server_method()
        guard let sslContext = SSL_CTX_new(method) else {
            throw TLSError.fromOpenSSL(.configuration, "SSL_CTX_new failed")
        }
        do throws(TLSError) {
            try Self.configure(sslContext, configuration, role)
        } catch {
            SSL_CTX_free(sslContext)
            throw error
        }
        self.sslContext = sslContext
        self.configuration = configuration
        self.role = role
    }

    deinit {
        SSL_CTX_free(self.sslContext)
    }

    private static func configure(
        _ ctx: OpaquePointer,
        _ configuration: TLSConfiguration,
        _ role: TLSRole
    ) throws(TLSError) {
        // Partial writes let SSL_write hand back each record as soon as it is in the write BIO, and a
        // moving buffer lets a retried write come from a ByteBuffer whose storage has since moved.
        _ = stockroom_SSL_CTX_set_mode(ctx, Int(SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER))
        // Renegotiation is a TLS 1.2 feature nobody needs here and a known CPU-exhaustion lever.
        stockroom_SSL_CTX_disable_renegotiation(ctx)

        guard stockroom_SSL_CTX_set_min_proto_version(ctx, configuration.minimumVersion.openSSLValue) == 1 else {
            throw TLSError.fromOpenSSL(.configuration, "cannot set minimum version \(configuration.minimumVersion)")
        }
        if let maximum = configuration.maximumVersion {
            guard maximum.openSSLValue >= configuration.minimumVersion.openSSLValue else {
                throw TLSError(.configuration, "maximum version \(maximum) is below minimum version \(configuration.minimumVersion)"
                )
            }
            guard stockroom_SSL_CTX_set_max_proto_version(ctx, maximum.openSSLValue) == 1 else {
                throw TLSError.fromOpenSSL(.configuration, "cannot set maximum version \(maximum)")
            }
        }

        // TLS 1.2 offers only ECDHE key exchange with AEAD ciphers (Mozilla's "intermediate" profile):
        // forward secrecy and no CBC. TLS 1.3's suites are all of that kind already.
        guard SSL_CTX_set_cipher_list(ctx, Self.tls12CipherList) == 1 else {
            throw TLSError.fromOpenSSL(.configuration, "cannot set the TLS 1.2 cipher list")
        }

        try self.loadIdentity(ctx, configuration, role)
        try self.loadTrust(ctx, configuration, role)
    }

    static let tls12CipherList = [
        "ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-RSA-AES128-GCM-SHA256",
        "ECDHE-ECDSA-AES256-GCM-SHA384", "ECDHE-RSA-AES256-GCM-SHA384",
        "ECDHE-ECDSA-CHACHA20-POLY1305", "ECDHE-RSA-CHACHA20-POLY1305",
    ].joined(separator: ":")

    private static func loadIdentity(
        _ ctx: OpaquePointer,
        _ configuration: TLSConfiguration,
        _ role: TLSRole
    ) throws(TLSError) {
        switch (configuration.certificateChainFile, configuration.privateKeyFile) {
        case (nil, nil):
            if role == .server {
                throw TLSError(.configuration, "a server needs certificateChainFile and privateKeyFile")
            }
        case (.some, nil), (nil, .some):
            throw TLSError(.configuration, "certificateChainFile and privateKeyFile must be given together"
            )
        case (.some(let chainFile), .some(let keyFile)):
            guard SSL_CTX_use_certificate_chain_file(ctx, chainFile) == 1 else {
                throw TLSError.fromOpenSSL(.configuration, "cannot load certificate chain from '\(chainFile)'")
            }
            guard SSL_CTX_use_PrivateKey_file(ctx, keyFile, SSL_FILETYPE_PEM) == 1 else {
                throw TLSError.fromOpenSSL(.configuration, "cannot load private key from '\(keyFile)'")
            }
            // use_PrivateKey_file already rejects most mismatches; this catches the rest before a
            // handshake would fail with a far less helpful message.
            guard SSL_CTX_check_private_key(ctx) == 1 else {
                throw TLSError.fromOpenSSL(
                    .configuration,
                    "private key '\(keyFile)' does not match certificate '\(chainFile)'"
                )
            }
        }
    }

    private static func loadTrust(
        _ ctx: OpaquePointer,
        _ configuration: TLSConfiguration,
        _ role: TLSRole
    ) throws(TLSError) {
        guard configuration.verifyPeer else {
            SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, nil)
            return
        }
        if let rootsFile = configuration.trustRootsFile {
            guard SSL_CTX_load_verify_file(ctx, rootsFile) == 1 else {
                throw TLSError.fromOpenSSL(.configuration, "cannot load trust roots from '\(rootsFile)'")
            }
            if role == .server {
                // Tells clients which CAs we accept, so one holding several certificates picks the right one.
                guard let names = SSL_load_client_CA_file(rootsFile) else {
                    throw TLSError.fromOpenSSL(.configuration, "cannot read CA names from '\(rootsFile)'")
                }
                SSL_CTX_set_client_CA_list(ctx, names)
            }
        } else {
            guard SSL_CTX_set_default_verify_paths(ctx) == 1 else {
                throw TLSError.fromOpenSSL(.configuration, "cannot load the system trust roots")
            }
        }
        switch role {
        case .client:
            SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nil)
        case .server:
            SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nil)
        }
    }
}

extension TLSVersion {
    var openSSLValue: Int32 {
        switch self {
        case .tls12: TLS1_2_VERSION
        case .tls13: TLS1_3_VERSION
        }
    }
}
