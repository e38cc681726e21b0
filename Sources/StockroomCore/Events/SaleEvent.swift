/// A `sales` entry as the purchase script appends it: `sku quantity remaining purchase [customer]`.
public struct SaleEvent: Sendable, Hashable {
    public var sku: String
    public var quantity: Int
    /// The stock left after the sale, as the script wrote it.
    public var remaining: String
    public var purchaseID: String
    public var customer: String
    /// Milliseconds since 1970, Redis's clock when it sold: the time part of the entry id, which the
    /// script leaves to Redis instead of writing it again in every entry.
    public var at: String

    /// The entry of id `entryID` (for a redriven copy, the id of the original entry).
    public init(fields: [String: String], entryID: String) throws(MalformedEvent) {
        let reader = EventFields(topic: .sales, fields: fields)
        self.sku = try reader.sku()
        self.quantity = try reader.integer("quantity", atLeast: 1)
        self.remaining = reader.text("remaining")
        self.purchaseID = reader.text("purchase")
        self.customer = reader.text("customer")
        self.at = String(entryID.prefix { $0 != "-" })
    }
}
