import NIOCore

/// PURCHASE (0x10): sell `quantity` units of `sku`, atomically and at most once per `purchaseID`.
///
/// ```
///  0            2                  2+s          6+s           8+s
/// +------------+------------------+------------+-------------+------------------+
/// | sku        | sku bytes        | quantity   | purchaseID  | purchaseID bytes |
/// | length u16 | (s bytes)        | u32        | length u16  | (p bytes)        |
/// +------------+------------------+------------+-------------+------------------+
///  8+s+p        10+s+p
/// +------------+------------------+
/// | customer   | customer bytes   |
/// | length u16 | (c bytes)        |
/// +------------+------------------+
/// ```
public struct Purchase: Sendable, Hashable {
    public var sku: String
    public var quantity: UInt32
    /// The client's idempotency key: a retry with the same ID gets the first answer instead of a second sale.
    public var purchaseID: String
    /// Who is buying, for the server's records; may be empty.
    public var customer: String

    public init(sku: String, quantity: UInt32, purchaseID: String, customer: String) {
        self.sku = sku
        self.quantity = quantity
        self.purchaseID = purchaseID
        self.customer = customer
    }
}

extension Purchase: PayloadCodable {
    init(payload: inout ByteBuffer) throws(WireError) {
        self.sku = try payload.readStr16("sku")
        self.quantity = try payload.readField("quantity")
        self.purchaseID = try payload.readStr16("purchaseID")
        self.customer = try payload.readStr16("customer")
    }

    func writePayload(to buffer: inout ByteBuffer) {
        buffer.writeStr16(self.sku)
        buffer.writeInteger(self.quantity)
        buffer.writeStr16(self.purchaseID)
        buffer.writeStr16(self.customer)
    }
}
