/// A `sales` entry as the purchase script appends it: `sku quantity remaining purchase customer at`.
public struct SaleEvent: Sendable, Hashable {
    public var sku: String
    public var quantity: Int
    /// The stock left after the sale, as the script wrote it.
    public var remaining: String
    public var purchaseID: String
    public var customer: String
    /// Milliseconds since 1970, Redis's clock.
    public var at: String

    public init(fields: [String: String]) throws(MalformedEvent) {
        let reader = EventFields(topic: .sales, fields: fields)
        self.sku = try reader.sku()
        self.quantity = try reader.integer("quantity", atLeast: 1)
        self.remaining = reader.text("remaining")
        self.purchaseID = reader.text("purchase")
        self.customer = reader.text("customer")
        self.at = reader.text("at")
    }
}
