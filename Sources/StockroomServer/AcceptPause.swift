import Logging
import NIOCore

/// What the server does when it cannot accept (out of file descriptors, most often): it stops
/// listening for a moment, says why in the log at most once a second, then tries again.
///
/// `AcceptBackoffHandler` alone does not stop the spin here: the kernel keeps reporting the listening
/// socket readable while a connection waits in the backlog, and every wake-up fails accept again. So
/// the channel's auto-read is turned off for the pause, which takes the socket out of the poll set.
final class AcceptPause: ChannelInboundHandler {
    typealias InboundIn = any Channel

    static let pause: TimeAmount = .milliseconds(500)

    private let logger: Logger
    private var lastLogged: NIODeadline?
    private var unlogged = 0
    private var paused = false

    init(logger: Logger) {
        self.logger = logger
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        pauseAccepting(context: context)
        let now = NIODeadline.now()
        if let lastLogged, now - lastLogged < .seconds(1) {
            unlogged += 1
            return
        }
        logger.error(
            "cannot accept connections; pausing before the next try",
            metadata: ["sr.error": "\(error)", "sr.failures_since_last_line": "\(unlogged)"]
        )
        lastLogged = now
        unlogged = 0
    }

    private func pauseAccepting(context: ChannelHandlerContext) {
        guard !paused else { return }
        paused = true
        // On the server channel's own loop, where its options are set synchronously.
        let options = context.channel.syncOptions
        try? options?.setOption(ChannelOptions.autoRead, value: false)
        context.eventLoop.assumeIsolated().scheduleTask(in: Self.pause) { [self] in
            paused = false
            try? options?.setOption(ChannelOptions.autoRead, value: true)
        }
    }
}

@available(*, unavailable)
extension AcceptPause: Sendable {}
