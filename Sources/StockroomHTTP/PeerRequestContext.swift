import Hummingbird
import NIOCore

/// Hummingbird's basics plus the caller's address: the side port names it when it refuses a
/// callback, and the console decides by it whether a caller is on loopback.
public struct PeerRequestContext: RequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    public let remoteAddress: SocketAddress?

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.remoteAddress = source.channel.remoteAddress
    }
}
