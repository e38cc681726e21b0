import NIOCore
import NIOPosix
import StockroomTLS
import StockroomWire

/// One connection to a server, past HELLO (and AUTH when a token is configured).
final class ClientConnection: Sendable {
    let channel: any Channel
    let hello: HelloOK
    private init(channel: any Channel, hello: HelloOK) {
        self.channel = channel
        self.hello = hello
    }

    var isActive: Bool { channel.isActive }

    static func connect(
        _ configuration: StockroomClientConfiguration,
        group: any EventLoopGroup
    ) async throws(StockroomClientError) -> ClientConnection {
        let channel: any Channel
        do {
            let tlsContext = try configuration.tls.map { try TLSContext(configuration: $0, role: .client) }
            channel = try await ClientBootstrap(group: group)
                .connectTimeout(TimeAmount(configuration.connectTimeout))
                .channelOption(.socketOption(.tcp_nodelay), value: 1)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        let sync = channel.pipeline.syncOperations
                        if let tlsContext {
                            let name = configuration.tlsServerName ?? configuration.host
                            try sync.addHandler(OpenSSLHandler.client(context: tlsContext, serverHostname: name))
                        }
                        try sync.addHandler(
                            ByteToMessageHandler(FrameDecoder(maxFrameLength: configuration.maxFrameLength))
                        )
                        try sync.addHandler(MessageToByteHandler(RequestEncoder()))
                        try sync.addHandler(ClientRequestHandler())
                    }
                }
                .connect(host: configuration.host, port: configuration.port).get()
        } catch {
            throw StockroomClientError(
                .connectFailed,
                "cannot connect to \(configuration.host):\(configuration.port): \(error)",
                underlying: error
            )
        }
        do throws(StockroomClientError) {
            let hello = Hello(
                minVersion: ProtocolVersion.supported.lowerBound,
                maxVersion: ProtocolVersion.supported.upperBound,
                clientName: configuration.clientName
            )
            guard case .helloOK(let accepted) = try await exchange(.hello(hello), on: channel, TimeAmount(configuration.requestTimeout))
            else {
                throw StockroomClientError(.protocolViolation, "the server did not answer HELLO with HELLO_OK")
            }
            if let token = configuration.token {
                guard case .authOK = try await exchange(.auth(token: token), on: channel, TimeAmount(configuration.requestTimeout))
                else {
                    throw StockroomClientError(.protocolViolation, "the server did not answer AUTH with AUTH_OK")
                }
            }
            return ClientConnection(channel: channel, hello: accepted)
        } catch {
            try? await channel.close()
            throw error
        }
    }

    /// Sends one request and waits at most `timeout` for its answer. An ERROR answer throws.
    func send(_ request: Request, timeout: TimeAmount) async throws(StockroomClientError) -> Response {
        try await Self.exchange(request, on: channel, timeout)
    }

    func close() async {
        try? await channel.close()
    }

    private static func exchange(
        _ request: Request,
        on channel: any Channel,
        _ timeout: TimeAmount
    ) async throws(StockroomClientError) -> Response {
        let promise = channel.eventLoop.makePromise(of: Response.self)
        // A channel the server closed already may have no handlers left to see the request (they are
        // removed at close): the write itself fails then, and so must the request, or it waits forever.
        let written = channel.eventLoop.makePromise(of: Void.self)
        written.futureResult.whenFailure { error in
            promise.fail(StockroomClientError(.connectionClosed, "the connection to the server closed: \(error)", underlying: error))
        }
        channel.writeAndFlush(OutgoingRequest(request: request, promise: promise, timeout: timeout), promise: written)
        let response: Response
        do {
            response = try await promise.futureResult.get()
        } catch let error as StockroomClientError {
            throw error
        } catch {
            throw StockroomClientError(.connectionClosed, "\(error)", underlying: error)
        }
        if case .error(let error) = response { throw StockroomClientError(server: error) }
        return response
    }
}
