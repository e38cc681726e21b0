import Logging
import NIOCore
import StockroomTLS

/// Logs why a TLS connection failed (a handshake that timed out, an untrusted client certificate, a
/// peer gone without close_notify) at debug level: one peer's failure is not an operator's alarm,
/// and a scanner must not flood the log. The error still travels on to the sales handler.
final class TLSFailureLogger: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    private let logger: Logger
    private let peer: SocketAddress?

    init(logger: Logger, peer: SocketAddress?) {
        self.logger = logger
        self.peer = peer
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if let error = error as? TLSError {
            logger.debug("TLS connection failed", metadata: .peer(peer, ["sr.tls.error": "\(error)"]))
        }
        context.fireErrorCaught(error)
    }
}

@available(*, unavailable)
extension TLSFailureLogger: Sendable {}
