import Foundation
import StockroomCore
import StockroomRedis

/// Where the legacy factory is, who we are to it, and how hard we may push it.
public struct FactoryConfiguration: Sendable {
    /// Scheme, host and port of the factory, without a path: `http://factory.internal:8080`.
    public var baseURL = "http://127.0.0.1:7490"
    /// The order endpoint. Older factory docs name it `/manufacture`.
    public var path = "/api/manufactures"
    public var factoryID = "FF-500293"
    public var requester = "stockroom"
    public var messageGroupID = "stock-arrival-group"
    /// Our side port's arrival endpoint; each order appends `?order=<percent-encoded SKU@n>&token=<its token>`.
    public var callbackURL = "http://127.0.0.1:7480/arrival"
    /// Bounds one call, connection included. A timed-out call may still have reached the factory.
    public var requestTimeout: Duration = .seconds(10)
    /// Calls in flight at once: the factory is slow and falls over when crowded.
    public var maxConcurrentCalls = 4
    /// How long the factory gets to deliver an order after each request before it is asked again.
    public var orderDeadline: Duration = FactoryOrders.defaultDeadline
    /// Factory calls per order at most (the first included); after the last one's deadline, the order
    /// expires and the SKU may order again.
    public var orderAttempts = 3
    /// Calls started per second, over all concurrent callers of one client.
    public var maxCallsPerSecond: Double = 10

    public init() {}

    /// The full URL of the order endpoint.
    public var orderURL: String {
        var base = baseURL
        while base.hasSuffix("/") { base.removeLast() }
        return base + (path.hasPrefix("/") ? path : "/" + path)
    }

    /// The callback URL that carries `order` and its `token` back to us, verbatim through the factory.
    public func callbackURL(for order: String, token: String) -> String {
        let separator = callbackURL.contains("?") ? "&" : "?"
        let query = [("order", order), ("token", token)].map { name, value in
            name + "=" + (value.addingPercentEncoding(withAllowedCharacters: .rfc3986Unreserved) ?? value)
        }
        return callbackURL + separator + query.joined(separator: "&")
    }
}
