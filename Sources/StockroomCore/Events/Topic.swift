/// The event topics. Each is one Redis stream per partition; each subscriber is a consumer group.
public enum Topic: String, Sendable, CaseIterable {
    /// Every sale: what the operations team analyses.
    case sales
    /// A SKU ran out or fell to its reorder point, and a factory order was opened.
    case stockEmpty = "stock-empty"
    /// The factory delivered: raise the stock and close the order.
    case stockArrival = "stock-arrival"
}
