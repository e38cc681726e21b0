/// The range of every count Stockroom takes in. Anything outside is INVALID_ARGUMENT and changes
/// nothing.
///
/// The bound is 10^15: far above any shelf, and below 2^53, so Lua (whose numbers are doubles) holds
/// every value exactly and no script ever stores a rounded or exponent-formatted number.
public enum NumberRanges {
    /// Units in stock, as an operator sets them.
    public static let stock: ClosedRange<Int> = 0...1_000_000_000_000_000
    /// The stock at or below which a factory order opens.
    public static let reorderPoint: ClosedRange<Int> = 0...1_000_000_000_000_000
    /// Units one factory order asks for.
    public static let reorderQuantity: ClosedRange<Int> = 1...1_000_000
    /// One stock adjustment (STOCK_ADJUST, `stock add/remove`), either way; 0 is refused too.
    public static let stockAdjustment: ClosedRange<Int> = -1_000_000_000_000_000...1_000_000_000_000_000
    /// What `--max-quantity` may be: the largest quantity one purchase may ask for.
    public static let maximumQuantity: ClosedRange<Int> = 1...1_000_000

    /// Throws INVALID_ARGUMENT unless `value` lies in `range`.
    static func check(_ value: Int, in range: ClosedRange<Int>, _ name: String) throws(SalesError) {
        guard range.contains(value) else {
            throw SalesError(.invalidArgument, "\(name) must be a whole number from \(range.lowerBound) to \(range.upperBound), got \(value)")
        }
    }

    /// The Lua every script that takes counts shares: a count must be written in decimal digits and
    /// lie within its range, so `1e3`, `0x10`, `5.0` and anything past 10^15 are refused.
    static let lua = #"""
-- A count written in decimal digits within [minimum, maximum] (given as digit strings), else nil and why.
local function wholeNumber(text, name, minimum, maximum)
    local value = type(text) == 'string' and #text <= 16 and string.match(text, '^%d+$') and tonumber(text)
    if not value or value < tonumber(minimum) or value > tonumber(maximum) then
        return nil, name .. ' must be a whole number from ' .. minimum .. ' to ' .. maximum .. ', got ' .. tostring(text)
    end
    return value
end

"""#
}
