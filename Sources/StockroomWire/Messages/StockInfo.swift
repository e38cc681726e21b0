import NIOCore

/// STOCK_INFO (0x91): a SKU's state; the answer to STOCK_GET and STOCK_SET.
///
/// ```
///  0            2             2+s                10+s               18+s               26+s         28+s
/// +------------+-------------+------------------+------------------+------------------+------------+-------------+
/// | sku        | sku bytes   | stock            | reorderPoint     | reorderQuantity  | openOrder  | openOrder   |
/// | length u16 | (s bytes)   | i64              | i64              | i64              | length u16 | bytes (o)   |
/// +------------+-------------+------------------+------------------+------------------+------------+-------------+
///  openOrder length 0 = no open factory order.
/// ```
public struct StockInfo: Sendable, Hashable {
    public var sku: String
    public var stock: Int64
    public var reorderPoint: Int64
    public var reorderQuantity: Int64
    /// The server's reference of the open factory order; `nil` when there is none (empty on the wire).
    public var openOrder: String?

    public init(sku: String, stock: Int64, reorderPoint: Int64, reorderQuantity: Int64, openOrder: String?) {
        self.sku = sku
        self.stock = stock
        self.reorderPoint = reorderPoint
        self.reorderQuantity = reorderQuantity
        // Normalised so that the two spellings of "none" compare equal, as they are equal on the wire.
        self.openOrder = openOrder?.isEmpty == true ? nil : openOrder
    }
}

extension StockInfo: PayloadCodable {
    init(payload: inout ByteBuffer) throws(WireError) {
        self.sku = try payload.readStr16("sku")
        self.stock = try payload.readField("stock")
        self.reorderPoint = try payload.readField("reorderPoint")
        self.reorderQuantity = try payload.readField("reorderQuantity")
        let openOrder = try payload.readStr16("openOrder")
        self.openOrder = openOrder.isEmpty ? nil : openOrder
    }

    func writePayload(to buffer: inout ByteBuffer) {
        buffer.writeStr16(self.sku)
        buffer.writeInteger(self.stock)
        buffer.writeInteger(self.reorderPoint)
        buffer.writeInteger(self.reorderQuantity)
        buffer.writeStr16(self.openOrder ?? "")
    }
}
