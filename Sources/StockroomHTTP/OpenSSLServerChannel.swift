import HummingbirdCore
import Logging
import NIOCore
import StockroomTLS

/// A Hummingbird child channel behind TLS from the system's OpenSSL (StockroomTLS's handler, as the
/// binary protocol's listener uses), the way Hummingbird's own TLS channel wraps swift-nio-ssl.
struct OpenSSLServerChannel<Base: ServerChildChannel>: ServerChildChannel {
    typealias Value = Base.Value

    let base: Base
    let context: TLSContext

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        channel.eventLoop.makeCompletedFuture {
            try channel.pipeline.syncOperations.addHandler(OpenSSLHandler.server(context: context))
        }.flatMap {
            base.setup(channel: channel, logger: logger)
        }
    }

    func handle(value: Value, logger: Logger) async {
        await base.handle(value: value, logger: logger)
    }
}

extension OpenSSLServerChannel: HTTPChannelHandler where Base: HTTPChannelHandler {
    var responder: HTTPChannelHandler.Responder { base.responder }
}

extension HTTPServerBuilder {
    /// HTTP/1.1 over TLS with `context` (a server context).
    static func http1(tls context: TLSContext) -> HTTPServerBuilder {
        .init { responder in OpenSSLServerChannel(base: HTTP1Channel(responder: responder), context: context) }
    }
}
