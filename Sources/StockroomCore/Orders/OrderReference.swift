
/// Our reference of a factory order, `<SKU>@<n>`: the purchase script numbers a SKU's orders from
/// its `order_seq`, so a reference names one order forever.
public struct OrderReference: Sendable, Hashable, CustomStringConvertible {
    public var sku: String
    public var number: Int

    public init(sku: String, number: Int) {
        self.sku = sku
        self.number = number
    }

    /// Parses `CP-502101@3`; nil unless the SKU is valid and the number a whole number ≥ 1.
    public init?(_ text: String) {
        guard let at = text.lastIndex(of: "@") else { return nil }
        let sku = String(text[..<at])
        let digits = text[text.index(after: at)...]
        guard (try? SKU.validate(sku)) != nil, !digits.isEmpty, digits.count <= 18,
            digits.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }),
            let number = Int(digits), number >= 1
        else { return nil }
        self.init(sku: sku, number: number)
    }

    public var description: String { "\(sku)@\(number)" }
}
