// TLSConnection: one OpenSSL SSL object between two memory BIOs, and the outcomes of driving it.

import COpenSSL
import NIOCore

/// One TLS session whose ciphertext flows through memory BIOs instead of a socket: the handler
/// `feed`s bytes from the network into the read BIO and ships whatever `takeCiphertext` returns,
/// so all I/O stays on the channel and OpenSSL only transforms bytes.
///
/// Every call that may fail clears the thread's OpenSSL error queue first, so a failure reports
/// only its own reasons and not leftovers from an earlier call on this thread.
final class TLSConnection {
    enum StepOutcome {
        case complete
        /// OpenSSL's WANT_READ / WANT_WRITE: not an error, the step resumes once more bytes arrive.
        case incomplete
        case failed(TLSError)
    }

    enum ReadOutcome {
        case bytes
        /// The read BIO is drained; nothing more to decrypt until the peer sends more.
        case needMoreCiphertext
        case closeNotify
        case failed(TLSError)
    }

    /// Largest plaintext a single TLS record can carry: one SSL_read never returns more.
    static let maximumRecordSize = 16 * 1024

    private var ssl: OpaquePointer?
    // Both BIOs belong to `ssl` (SSL_set_bio) and are freed with it; kept only to feed and drain them.
    private let readBIO: OpaquePointer
    private let writeBIO: OpaquePointer
    let context: TLSContext

    init(context: TLSContext) {
        // These allocations only fail when the process is out of memory, where Swift itself would trap.
        guard let ssl = SSL_new(context.sslContext) else {
            preconditionFailure("SSL_new failed: \(OpenSSLErrorQueue.drain())")
        }
        guard let readBIO = BIO_new(BIO_s_mem()), let writeBIO = BIO_new(BIO_s_mem()) else {
            preconditionFailure("BIO_new failed: \(OpenSSLErrorQueue.drain())")
        }
        // An empty read BIO must look like "retry later", never like EOF: real EOF is the channel's to report.
        _ = stockroom_BIO_set_mem_eof_return(readBIO, -1)
        SSL_set_bio(ssl, readBIO, writeBIO)
        switch context.role {
        case .client: SSL_set_connect_state(ssl)
        case .server: SSL_set_accept_state(ssl)
        }
        self.ssl = ssl
        self.readBIO = readBIO
        self.writeBIO = writeBIO
        self.context = context
    }

    deinit {
        self.free()
    }

    /// Releases the SSL object and its BIOs; nothing may be called afterwards.
    func free() {
        if let ssl = self.ssl {
            SSL_free(ssl)
            self.ssl = nil
        }
    }

    private var liveSSL: OpaquePointer {
        guard let ssl = self.ssl else {
            preconditionFailure("TLSConnection used after free()")
        }
        return ssl
    }

    // MARK: Peer identity

    /// Sends SNI for DNS names (RFC 6066 forbids IP literals there) and, when verifying, makes
    /// OpenSSL check the certificate against the name or address during the handshake itself.
    func setServerHostname(_ hostname: String) throws(TLSError) {
        let ssl = self.liveSSL
        let isIPAddress = (try? SocketAddress(ipAddress: hostname, port: 0)) != nil
        ERR_clear_error()
        if !isIPAddress {
            guard stockroom_SSL_set_tlsext_host_name(ssl, hostname) == 1 else {
                throw TLSError.fromOpenSSL(.configuration, "invalid server name '\(hostname)'")
            }
        }
        guard self.context.configuration.verifyPeer else { return }
        if isIPAddress {
            try self.expectPeerIPAddress(hostname)
        } else {
            SSL_set_hostflags(ssl, UInt32(X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS))
            guard SSL_set1_host(ssl, hostname) == 1 else {
                throw TLSError.fromOpenSSL(.configuration, "cannot verify against hostname '\(hostname)'")
            }
        }
    }

    /// Requires the peer certificate to name this IP address (an iPAddress subjectAltName).
    func expectPeerIPAddress(_ address: String) throws(TLSError) {
        ERR_clear_error()
        guard X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(self.liveSSL), address) == 1 else {
            throw TLSError.fromOpenSSL(.configuration, "cannot verify against IP address '\(address)'")
        }
    }

    /// "TLSv1.3" and the like; meaningful once the handshake has completed.
    var protocolVersion: String {
        String(cString: SSL_get_version(self.liveSSL))
    }

    var cipherSuite: String? {
        guard let cipher = SSL_get_current_cipher(self.liveSSL), let name = SSL_CIPHER_get_name(cipher) else {
            return nil
        }
        return String(cString: name)
    }

    // MARK: Ciphertext in and out

    /// Hands bytes received from the network to OpenSSL; they are consumed by the next step, read or shutdown.
    func feed(_ buffer: ByteBuffer) {
        buffer.withUnsafeReadableBytes { bytes in
            var offset = 0
            while offset < bytes.count {
                let length = Int32(clamping: bytes.count - offset)
                let written = BIO_write(self.readBIO, bytes.baseAddress! + offset, length)
                // A memory BIO grows as needed, so it only refuses bytes when allocation fails.
                precondition(written > 0, "BIO_write to a memory BIO failed: out of memory")
                offset += Int(written)
            }
        }
    }

    var pendingCiphertextBytes: Int {
        Int(stockroom_BIO_ctrl_pending_size(self.writeBIO))
    }

    /// Everything OpenSSL has produced for the network so far, or nil if nothing is waiting.
    func takeCiphertext(allocator: ByteBufferAllocator) -> ByteBuffer? {
        let pending = self.pendingCiphertextBytes
        guard pending > 0 else { return nil }
        var buffer = allocator.buffer(capacity: pending)
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: pending) { space in
            let read = BIO_read(self.writeBIO, space.baseAddress, Int32(pending))
            precondition(read == pending, "memory BIO returned \(read) of \(pending) pending bytes")
            return Int(read)
        }
        return buffer
    }

    // MARK: TLS operations

    func handshake() -> StepOutcome {
        let ssl = self.liveSSL
        ERR_clear_error()
        let rc = SSL_do_handshake(ssl)
        if rc == 1 {
            return .complete
        }
        switch SSL_get_error(ssl, rc) {
        case SSL_ERROR_WANT_READ, SSL_ERROR_WANT_WRITE:
            return .incomplete
        case let sslError:
            return .failed(self.handshakeError(sslError))
        }
    }

    private func handshakeError(_ sslError: Int32) -> TLSError {
        var error = TLSError.fromOpenSSL(.handshakeFailed, "TLS handshake failed (\(Self.describe(sslError)))")
        // "certificate verify failed" alone does not say why; the X509 result does (expired, hostname mismatch...).
        let verifyResult = SSL_get_verify_result(self.liveSSL)
        if verifyResult != X509_V_OK, let reason = X509_verify_cert_error_string(verifyResult) {
            error.message += " [peer certificate: \(String(cString: reason))]"
        }
        return error
    }

    /// Decrypts at most one record into `buffer`, which grows to make room for it.
    func read(into buffer: inout ByteBuffer) -> ReadOutcome {
        let ssl = self.liveSSL
        var rc: Int32 = 0
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: Self.maximumRecordSize) { space in
            ERR_clear_error()
            rc = SSL_read(ssl, space.baseAddress, Int32(clamping: space.count))
            return rc > 0 ? Int(rc) : 0
        }
        if rc > 0 {
            return .bytes
        }
        switch SSL_get_error(ssl, rc) {
        case SSL_ERROR_WANT_READ, SSL_ERROR_WANT_WRITE:
            return .needMoreCiphertext
        case SSL_ERROR_ZERO_RETURN:
            return .closeNotify
        case let sslError:
            return .failed(TLSError.fromOpenSSL(.io, "TLS read failed (\(Self.describe(sslError)))"))
        }
    }

    /// Encrypts as much of `buffer` as OpenSSL accepts (one record or more with partial writes)
    /// and advances its reader index past what was taken.
    func write(_ buffer: inout ByteBuffer) -> StepOutcome {
        guard buffer.readableBytes > 0 else {
            // SSL_write treats an empty write as an error; there is simply nothing to do.
            return .complete
        }
        let ssl = self.liveSSL
        let rc = buffer.withUnsafeReadableBytes { bytes in
            ERR_clear_error()
            return SSL_write(ssl, bytes.baseAddress, Int32(clamping: bytes.count))
        }
        if rc > 0 {
            buffer.moveReaderIndex(forwardBy: Int(rc))
            return .complete
        }
        switch SSL_get_error(ssl, rc) {
        case SSL_ERROR_WANT_READ, SSL_ERROR_WANT_WRITE:
            return .incomplete
        case let sslError:
            return .failed(TLSError.fromOpenSSL(.io, "TLS write failed (\(Self.describe(sslError)))"))
        }
    }

    /// Queues our close_notify in the write BIO. Whether the peer's has arrived does not matter:
    /// the handler closes the channel once ours is written rather than waiting for an answer.
    func shutdown() -> StepOutcome {
        let ssl = self.liveSSL
        ERR_clear_error()
        let rc = SSL_shutdown(ssl)
        if rc >= 0 {
            return .complete
        }
        switch SSL_get_error(ssl, rc) {
        case SSL_ERROR_WANT_READ, SSL_ERROR_WANT_WRITE:
            return .incomplete
        case let sslError:
            return .failed(TLSError.fromOpenSSL(.io, "TLS shutdown failed (\(Self.describe(sslError)))"))
        }
    }

    private static func describe(_ sslError: Int32) -> String {
        switch sslError {
        case SSL_ERROR_SSL: "SSL_ERROR_SSL"
        case SSL_ERROR_SYSCALL: "SSL_ERROR_SYSCALL"
        case SSL_ERROR_ZERO_RETURN: "SSL_ERROR_ZERO_RETURN"
        case SSL_ERROR_WANT_X509_LOOKUP: "SSL_ERROR_WANT_X509_LOOKUP"
        default: "SSL error \(sslError)"
        }
    }
}

@available(*, unavailable)
extension TLSConnection: Sendable {}
