import StockroomCore
import StockroomPipeline

/// A `stock-empty` entry as the purchase script writes it: sku, order, reason, stock, wanted,
/// reorder_qty, at.
struct StockEmptyEvent: Sendable {
    var sku: String
    var order: OrderReference
    var reorderQuantity: Int
    var reason: String
    /// Milliseconds since 1970.
    var at: String

    /// Throws `PoisonEntry` when no retry could make the entry usable.
    init(_ entry: StreamEntry) throws(PoisonEntry) {
        guard let sku = entry.fields["sku"], (try? SKU.validate(sku)) != nil else {
            throw PoisonEntry("stock-empty entry \(entry.id) has no valid sku")
        }
        guard let orderText = entry.fields["order"], let order = OrderReference(orderText), order.sku == sku else {
            throw PoisonEntry("stock-empty entry \(entry.id) has no order reference \(sku)@<n>")
        }
        guard let quantityText = entry.fields["reorder_qty"], let quantity = Int(quantityText) else {
            throw PoisonEntry("stock-empty entry \(entry.id) has no reorder_qty")
        }
        guard quantity >= 1 else {
            // The factory makes at least one; an operator has to fix the SKU's reorder quantity.
            throw PoisonEntry("stock-empty entry \(entry.id) asks the factory for \(quantity) of \(sku)")
        }
        self.sku = sku
        self.order = order
        self.reorderQuantity = quantity
        self.reason = entry.fields["reason"] ?? ""
        self.at = entry.fields["at"] ?? ""
    }
}
