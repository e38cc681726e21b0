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

    func purchaseDecision() throws(SalesError) -> PurchaseDecision {
        let outcome: PurchaseDecision.Outcome
        switch status {
        case "SOLD": outcome = .sold
        case "OUT_OF_STOCK": outcome = .outOfStock
        default: throw SalesError(.internalError, "the purchase script answered \(status)")
        }
        return PurchaseDecision(
            outcome: outcome,
            stock: try integer(0),
            isReplay: try integer(1) == 1,
            openedFactoryOrder: try integer(2) == 1
        )
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
