import Hummingbird
import NIOCore

/// The side port's request context: Hummingbird's basics plus the caller's address, which the alert
/// for a refused callback names.
public struct SidePortRequestContext: RequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    public let remoteAddress: SocketAddress?

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.remoteAddress = source.channel.remoteAddress
    }
}
