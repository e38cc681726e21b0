/// How one request ended, as the harness counts it.
public enum RequestOutcome: Sendable, Hashable {
    /// A new sale (not a replay).
    case sold
    case outOfStock
    /// A stored answer to an earlier purchase id: nothing was sold now. Unique ids make this a bug.
    case replay
    /// A STOCK_GET answered.
    case stock
    /// An error: `code` as the server or client names it (`OVERLOADED`, `timeout`, …). A purchase
    /// that may still have been carried out (no answer, a backend failure) is `uncertain`; the
    /// oversell check allows for it.
    case error(code: String, uncertain: Bool)

    /// The name the results table counts the outcome under.
    public var code: String {
        switch self {
        case .sold: "SOLD"
        case .outOfStock: "OUT_OF_STOCK"
        case .replay: "REPLAY"
        case .stock: "STOCK"
        case .error(let code, _): code
        }
    }

    public var isError: Bool {
        if case .error = self { return true }
        return false
    }
}
