/// A `stock-arrival` entry: one factory callback, taken in by the side port.
/// `sku order quantity token factory_request received_at`.
public struct StockArrivalEvent: Sendable, Hashable {
    public var sku: String
    public var order: OrderReference
    public var quantity: Int
    /// The order's token, from the callback URL: what tells the factory's callback from a forged one.
    public var token: String
    /// The callback's body as it came (the legacy message we sent, echoed).
    public var factoryRequest: String
    /// Milliseconds since 1970, our clock.
    public var receivedAt: String

    public init(sku: String, order: OrderReference, quantity: Int, token: String, factoryRequest: String, receivedAt: String) {
        self.sku = sku
        self.order = order
        self.quantity = quantity
        self.token = token
        self.factoryRequest = factoryRequest
        self.receivedAt = receivedAt
    }

    public init(fields: [String: String]) throws(MalformedEvent) {
        let reader = EventFields(topic: .stockArrival, fields: fields)
        self.sku = try reader.sku()
        self.order = try reader.order(of: sku)
        self.quantity = try reader.integer("quantity", atLeast: 1)
        self.token = reader.text("token")
        self.factoryRequest = reader.text("factory_request")
        self.receivedAt = reader.text("received_at")
    }

    /// The entry's flat field/value pairs, in the order `XADD` writes them.
    public var fields: [String] {
        [
            "sku", sku, "order", order.description, "quantity", String(quantity), "token", token,
            "factory_request", factoryRequest, "received_at", receivedAt,
        ]
    }
}
