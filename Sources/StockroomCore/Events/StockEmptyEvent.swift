/// A `stock-empty` entry as the purchase script appends it when it opens a factory order:
/// `sku order reason stock wanted reorder_qty at`.
public struct StockEmptyEvent: Sendable, Hashable {
    public var sku: String
    /// The order the script opened: one per stock-out, however many refusals followed.
    public var order: OrderReference
    /// What to order from the factory: the SKU's reorder quantity when the order was opened.
    public var reorderQuantity: Int
    /// `sold_out` or `reorder_point`.
    public var reason: String
    public var stock: String
    public var wanted: String
    /// Milliseconds since 1970, Redis's clock.
    public var at: String

    public init(fields: [String: String]) throws(MalformedEvent) {
        let reader = EventFields(topic: .stockEmpty, fields: fields)
        self.sku = try reader.sku()
        self.order = try reader.order(of: sku)
        // Zero is stored as it was set; the factory group refuses it, the ops group still counts it.
        self.reorderQuantity = try reader.integer("reorder_qty", atLeast: 0)
        self.reason = reader.text("reason")
        self.stock = reader.text("stock")
        self.wanted = reader.text("wanted")
        self.at = reader.text("at")
    }
}
