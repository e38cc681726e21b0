import ArgumentParser
import StockroomCommandLine
import StockroomServer
import StockroomWire

/// `stockroom serve`'s limits on what one connection may cost: each has a default that suits a
/// public-facing server (see README, "Limits").
struct LimitOptions: ParsableArguments {
    private static let defaults = ServerConfiguration()

    @Option(help: "Connections open at once; more are closed as soon as accepted (default: \(defaults.limits.maxConnections)).")
    var maxConnections: Int?
    @Option(help: "The largest frame length accepted, in bytes (default: \(defaults.maxFrameLength)).")
    var maxFrameLength: Int?
    @Option(help: "Frame length limit before AUTH, on a server that requires it (default: \(defaults.limits.maxUnauthenticatedFrameLength)).")
    var maxUnauthenticatedFrameLength: Int?
    @Option(help: "Requests in flight per connection; at the limit the server stops reading it (default: \(defaults.maxInFlightPerConnection)).")
    var maxInFlight: Int?
    @Option(help: "Seconds from connecting to HELLO (and AUTH when required) done (default: \(defaults.limits.handshakeTimeout.secondsText)).")
    var handshakeTimeout: Double?
    @Option(help: "Seconds a started frame may take to arrive completely (default: \(defaults.limits.frameTimeout.secondsText)).")
    var frameTimeout: Double?
    @Option(help: "Seconds without a frame after which an idle connection is closed (default: \(defaults.limits.idleTimeout.secondsText)).")
    var idleTimeout: Double?
    @Option(help: "Unsent answer bytes per connection above which the server stops reading it (default: \(defaults.limits.highWaterMark)).")
    var writeHighWater: Int?

    func validate() throws {
        guard [maxConnections, maxInFlight, writeHighWater].allSatisfy({ ($0 ?? 1) >= 1 }),
            [handshakeTimeout, frameTimeout, idleTimeout].allSatisfy({ ($0 ?? 1) > 0 })
        else {
            throw ValidationError("--max-connections, --max-in-flight, --write-high-water and the timeouts must be positive")
        }
        let frameRange = Frame.headerSizeAfterLength...Int(UInt32.max)
        for (value, name) in [(maxFrameLength, "--max-frame-length"), (maxUnauthenticatedFrameLength, "--max-unauthenticated-frame-length")] {
            if let value, !frameRange.contains(value) {
                throw ValidationError("\(name) must be from \(frameRange.lowerBound) to \(frameRange.upperBound), got \(value)")
            }
        }
    }

    func apply(to server: inout ServerConfiguration) {
        if let maxConnections { server.limits.maxConnections = maxConnections }
        if let maxFrameLength { server.maxFrameLength = maxFrameLength }
        if let maxUnauthenticatedFrameLength { server.limits.maxUnauthenticatedFrameLength = maxUnauthenticatedFrameLength }
        if let maxInFlight { server.maxInFlightPerConnection = maxInFlight }
        if let handshakeTimeout { server.limits.handshakeTimeout = .seconds(handshakeTimeout) }
        if let frameTimeout { server.limits.frameTimeout = .seconds(frameTimeout) }
        if let idleTimeout { server.limits.idleTimeout = .seconds(idleTimeout) }
        if let writeHighWater {
            server.limits.highWaterMark = writeHighWater
            server.limits.lowWaterMark = min(server.limits.lowWaterMark, writeHighWater / 4)
        }
    }
}
