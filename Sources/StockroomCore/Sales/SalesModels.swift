/// A request to buy `quantity` of `sku`, identified by the client's `purchaseID` for safe retries.
public struct PurchaseOrder: Sendable, Hashable {
    public var sku: String
    public var quantity: Int
    public var purchaseID: String
    public var customer: String

    public init(sku: String, quantity: Int, purchaseID: String, customer: String) {
        self.sku = sku
        self.quantity = quantity
        self.purchaseID = purchaseID
        self.customer = customer
    }
}

/// What the purchase script decided.
public struct PurchaseDecision: Sendable, Hashable {
    public enum Outcome: Sendable, Hashable {
        /// Sold; `stock` is what remains.
        case sold
        /// Not enough stock; `stock` is what is available.
        case outOfStock
    }

    public var outcome: Outcome
    public var stock: Int
    /// The stored answer of an earlier purchase with the same purchase id: nothing was sold now.
    public var isReplay: Bool
    /// This purchase opened the SKU's factory order and appended its `stock-empty` event.
    public var openedFactoryOrder: Bool

    public init(outcome: Outcome, stock: Int, isReplay: Bool, openedFactoryOrder: Bool = false) {
        self.outcome = outcome
        self.stock = stock
        self.isReplay = isReplay
        self.openedFactoryOrder = openedFactoryOrder
    }
}

/// A SKU's stock and reorder settings, as stored.
public struct StockLevel: Sendable, Hashable {
    public var sku: String
    public var stock: Int
    public var reorderPoint: Int
    public var reorderQuantity: Int
    /// Our reference of the factory order that is open for this SKU, if any.
    public var openOrder: String?

    public init(sku: String, stock: Int, reorderPoint: Int, reorderQuantity: Int, openOrder: String?) {
        self.sku = sku
        self.stock = stock
        self.reorderPoint = reorderPoint
        self.reorderQuantity = reorderQuantity
        self.openOrder = openOrder
    }
}

/// An administrator's change to a SKU: the new stock, and reorder settings to change if given.
public struct StockUpdate: Sendable, Hashable {
    public var sku: String
    public var stock: Int
    public var reorderPoint: Int?
    public var reorderQuantity: Int?

    public init(sku: String, stock: Int, reorderPoint: Int? = nil, reorderQuantity: Int? = nil) {
        self.sku = sku
        self.stock = stock
        self.reorderPoint = reorderPoint
        self.reorderQuantity = reorderQuantity
    }
}
