// TLSError: the one error type this module throws or fires, and the OpenSSL error-queue reader that fills its message.

import COpenSSL
import StockroomErrors

/// A TLS failure. `code` says what kind; `message` carries OpenSSL's own reasons (e.g. "certificate verify failed").
public typealias TLSError = DomainError<TLSErrorDomain>

/// Names the domain of ``TLSError``.
public enum TLSErrorDomain {}

extension OpaqueErrorCode where Owner == TLSErrorDomain {
    /// The context could not be built: unreadable file, key not matching the certificate, bad settings.
    public static var configuration: Self { Self("configuration") }
    /// The handshake did not complete: verification failure, no shared version or cipher, peer alert, EOF mid-handshake.
    public static var handshakeFailed: Self { Self("handshakeFailed") }
    /// The peer ended the TCP stream without a close_notify, so the data received may have been truncated.
    public static var unexpectedEOF: Self { Self("unexpectedEOF") }
    /// A write was refused or dropped because the TLS connection is closing or closed.
    public static var closed: Self { Self("closed") }
    /// The record layer failed after the handshake: a corrupt record, a fatal alert from the peer.
    public static var io: Self { Self("io") }
}

extension TLSError {
    /// Builds an error whose message is `context` followed by every entry of this thread's OpenSSL error
    /// queue, which is emptied so that the next call starts clean.
    static func fromOpenSSL(_ code: Code, _ context: String) -> TLSError {
        let entries = OpenSSLErrorQueue.drain()
        let message = entries.isEmpty ? context : "\(context): \(entries.joined(separator: "; "))"
        return TLSError(code, message)
    }
}

/// OpenSSL reports failures through a per-thread queue rather than return values.
enum OpenSSLErrorQueue {
    /// Empties the queue, one line per entry, including the detail text OpenSSL attaches (such as the
    /// file name a failed fopen was given).
    static func drain() -> [String] {
        var entries: [String] = []
        while true {
            var data: UnsafePointer<CChar>? = nil
            var flags: Int32 = 0
            let code = ERR_get_error_all(nil, nil, nil, &data, &flags)
            if code == 0 {
                return entries
            }
            var text = withUnsafeTemporaryAllocation(of: CChar.self, capacity: 256) { buffer -> String in
                ERR_error_string_n(code, buffer.baseAddress, buffer.count)
                return String(cString: buffer.baseAddress!)
            }
            if let data, flags & ERR_TXT_STRING != 0, data.pointee != 0 {
                text += " (\(String(cString: data)))"
            }
            entries.append(text)
        }
    }
}
