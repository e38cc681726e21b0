import NIOCore

/// Whether a PURCHASE sold.
public enum PurchaseOutcome: UInt8, Sendable {
    /// The units were taken from stock.
    case sold = 1
    /// Too few units were available; nothing was taken.
    case outOfStock = 2
}

/// PURCHASE_RESULT (0x90), the answer to PURCHASE.
///
/// ```
///  0         1        2                                 10
/// +---------+--------+---------------------------------+
/// | outcome | flags  | stock                           |
/// | u8      | u8     | i64                             |
/// +---------+--------+---------------------------------+
///  flags: bit 0 = replay; bits 1-7 reserved (0).
/// ```
public struct PurchaseResult: Sendable, Hashable {
    static let replayBit: UInt8 = 0x01

    public var outcome: PurchaseOutcome
    /// This is the stored answer to an earlier PURCHASE with the same purchaseID, not a new sale.
    public var isReplay: Bool
    /// After ``PurchaseOutcome/sold``: the remaining stock; after ``PurchaseOutcome/outOfStock``: the available stock.
    public var stock: Int64

    public init(outcome: PurchaseOutcome, isReplay: Bool, stock: Int64) {
        self.outcome = outcome
        self.isReplay = isReplay
        self.stock = stock
    }
}

extension PurchaseResult: PayloadCodable {
    init(payload: inout ByteBuffer) throws(WireError) {
        self.outcome = try payload.readEnumeration("outcome")
        let flags = try payload.readBits("flags", defined: Self.replayBit)
        self.isReplay = flags & Self.replayBit != 0
        self.stock = try payload.readField("stock")
    }

    func writePayload(to buffer: inout ByteBuffer) {
        buffer.writeInteger(self.outcome.rawValue)
        buffer.writeInteger(self.isReplay ? Self.replayBit : 0)
        buffer.writeInteger(self.stock)
    }
}
