import NIOCore

/// STOCK_ADJUST (0x13): raise or lower a SKU's stock by a signed amount, in one atomic step.
/// Answered with STOCK_INFO.
///
/// ```
///  0            2             2+s                10+s
/// +------------+-------------+------------------+
/// | sku        | sku bytes   | delta            |
/// | length u16 | (s bytes)   | i64              |
/// +------------+-------------+------------------+
/// ```
public struct StockAdjust: Sendable, Hashable {
    public var sku: String
    /// Units to add (positive) or remove (negative).
    public var delta: Int64

    public init(sku: String, delta: Int64) {
        self.sku = sku
        self.delta = delta
    }
}

extension StockAdjust: PayloadCodable {
    init(payload: inout ByteBuffer) throws(WireError) {
        self.sku = try payload.readStr16("sku")
        self.delta = try payload.readField("delta")
    }

    func writePayload(to buffer: inout ByteBuffer) {
        buffer.writeStr16(self.sku)
        buffer.writeInteger(self.delta)
    }
}
