import Logging
import Metrics
import NIOConcurrencyHelpers
import NIOCore

/// Counts the open connections over every event loop and turns away those past the limit.
///
/// A connection past the limit is accepted and closed at once: the peer learns immediately, and the
/// backlog does not fill with connections nobody will serve. Refusals are counted; the log line says
/// so at most once a second, so a flood cannot flood the log too.
final class ConnectionAdmission: Sendable {
    private struct State {
        var open = 0
        var lastWarning: NIODeadline?
    }

    private let maxConnections: Int
    private let state = NIOLockedValueBox(State())
    private let openGauge = Gauge(label: ServerMetricFamilies.connectionsOpen.name)
    private let refused = Counter(label: ServerMetricFamilies.connectionsRefused.name, dimensions: [("reason", "max_connections")])
    private let logger: Logger

    init(maxConnections: Int, logger: Logger) {
        self.maxConnections = maxConnections
        self.logger = logger
    }

    /// Whether `channel` may be served; when it may, it is counted until it closes.
    func admit(_ channel: any Channel) -> Bool {
        let (admitted, open, warn) = state.withLockedValue { state -> (Bool, Int, Bool) in
            guard state.open < maxConnections else {
                let now = NIODeadline.now()
                let warn = state.lastWarning.map { now - $0 >= .seconds(1) } ?? true
                if warn { state.lastWarning = now }
                return (false, state.open, warn)
            }
            state.open += 1
            return (true, state.open, false)
        }
        guard admitted else {
            refused.increment()
            if warn {
                logger.warning(
                    "connection refused: the server is at its maximum of open connections",
                    metadata: ["sr.max_connections": "\(maxConnections)", "sr.peer": "\(channel.remoteAddress.map { "\($0)" } ?? "?")"]
                )
            }
            return false
        }
        openGauge.record(open)
        channel.closeFuture.whenComplete { [self] _ in
            let open = state.withLockedValue { state in
                state.open -= 1
                return state.open
            }
            openGauge.record(open)
        }
        return true
    }
}
