import NIOCore

/// STOCK_SET (0x12): set a SKU's stock and, optionally, its reorder settings. Answered with STOCK_INFO.
///
/// ```
///  0            2             2+s                10+s      11+s               19+s               27+s
/// +------------+-------------+------------------+---------+------------------+------------------+
/// | sku        | sku bytes   | stock            | present | reorderPoint     | reorderQuantity  |
/// | length u16 | (s bytes)   | i64              | u8      | i64              | i64              |
/// +------------+-------------+------------------+---------+------------------+------------------+
///  present: bit 0 = reorderPoint given, bit 1 = reorderQuantity given; bits 2-7 reserved (0).
///  Both values are always on the wire; one whose bit is clear is written as 0 and ignored when read.
/// ```
public struct StockSet: Sendable, Hashable {
    static let reorderPointBit: UInt8 = 0x01
    static let reorderQuantityBit: UInt8 = 0x02

    public var sku: String
    public var stock: Int64
    /// `nil` leaves the SKU's reorder point as it is.
    public var reorderPoint: Int64?
    /// `nil` leaves the SKU's reorder quantity as it is.
    public var reorderQuantity: Int64?

    public init(sku: String, stock: Int64, reorderPoint: Int64? = nil, reorderQuantity: Int64? = nil) {
        self.sku = sku
        self.stock = stock
        self.reorderPoint = reorderPoint
        self.reorderQuantity = reorderQuantity
    }
}

extension StockSet: PayloadCodable {
    init(payload: inout ByteBuffer) throws(WireError) {
        self.sku = try payload.readStr16("sku")
        self.stock = try payload.readField("stock")
        let present = try payload.readBits("present", defined: Self.reorderPointBit | Self.reorderQuantityBit)
        let reorderPoint = try payload.readField("reorderPoint", as: Int64.self)
        let reorderQuantity = try payload.readField("reorderQuantity", as: Int64.self)
        self.reorderPoint = present & Self.reorderPointBit != 0 ? reorderPoint : nil
        self.reorderQuantity = present & Self.reorderQuantityBit != 0 ? reorderQuantity : nil
    }

    func writePayload(to buffer: inout ByteBuffer) {
        buffer.writeStr16(self.sku)
        buffer.writeInteger(self.stock)
        buffer.writeInteger(
            (self.reorderPoint == nil ? 0 : Self.reorderPointBit)
                | (self.reorderQuantity == nil ? 0 : Self.reorderQuantityBit)
        )
        buffer.writeInteger(self.reorderPoint ?? 0)
        buffer.writeInteger(self.reorderQuantity ?? 0)
    }
}
