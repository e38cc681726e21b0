import StockroomRedis

/// A sales script's answer: `{STATUS, values…}`, or `{CODE, message}` for a refusal.
struct ScriptReply {
    let status: String
    let values: ArraySlice<RESPValue>

    init(_ reply: RESPValue) throws(SalesError) {
        let answer: ScriptStatusReply
        do {
            answer = try ScriptStatusReply(reply, script: "sales")
        } catch {
            throw SalesError(.internalError, error.message)
        }
        if let refusal = SalesError(scriptStatus: answer.status, message: answer.string(0) ?? "") {
            throw refusal
        }
        self.status = answer.status
        self.values = answer.values
    }

    func stockLevel(sku: String) throws(SalesError) -> StockLevel {
        guard status == "OK" else { throw SalesError(.internalError, "the stock script answered \(status)") }
        let openOrder = values.dropFirst(3).first?.string ?? ""
        return StockLevel(
            sku: sku,
            stock: try integer(0),
            reorderPoint: try integer(1),
            reorderQuantity: try integer(2),
            openOrder: openOrder.isEmpty ? nil : openOrder
        )
    }

    private func integer(_ position: Int) throws(SalesError) -> Int {
        let index = values.startIndex + position
        guard index < values.endIndex, let value = values[index].int else {
            throw SalesError(.internalError, "a sales script answered \(status) without value \(position)")
        }
        return Int(value)
    }
}

extension PurchaseDecision {
    /// One answer of the purchase script: `<S|O><stock>[r][o]` (e.g. `S41`, `O0o`, `S41r`), or a
    /// refusal `{code, message}`, which this throws.
    init(scriptAnswer answer: RESPValue) throws(SalesError) {
        guard let text = answer.string else {
            _ = try ScriptReply(answer)  // a refusal throws here
            throw SalesError(.internalError, "the purchase script answered \(answer)")
        }
        // Read as bytes: the answer is ASCII, and Character's Unicode properties cost a lookup each.
        var rest = Substring(text).utf8
        let outcome: Outcome
        switch rest.popFirst() {
        case UInt8(ascii: "S"): outcome = .sold
        case UInt8(ascii: "O"): outcome = .outOfStock
        default: throw SalesError(.internalError, "the purchase script answered \(text)")
        }
        let digits = rest.prefix { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }
        guard let stock = Int(Substring(digits)) else { throw SalesError(.internalError, "the purchase script answered \(text)") }
        var isReplay = false
        var openedFactoryOrder = false
        for flag in rest.dropFirst(digits.count) {
            switch flag {
            case UInt8(ascii: "r"): isReplay = true
            case UInt8(ascii: "o"): openedFactoryOrder = true
            default: throw SalesError(.internalError, "the purchase script answered \(text)")
            }
        }
        self.init(outcome: outcome, stock: stock, isReplay: isReplay, openedFactoryOrder: openedFactoryOrder)
    }
}
