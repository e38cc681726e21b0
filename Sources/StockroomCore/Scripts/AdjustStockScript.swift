import StockroomRedis

extension StockroomScripts {
    /// Raises or lowers a SKU's stock by a signed amount: what an operator does during a sale, without
    /// reading the stock first (a read-then-write would oversell what sold in between).
    public static let adjustStock = RedisScript(
        name: "adjust-stock",
        source: OperatorAudit.lua + #"""
-- Stockroom stock adjust: add or remove units atomically.
--
-- KEYS[1] stockroom:{pN}:sku:<SKU>   KEYS[2] stockroom:{pN}:audit:redrive (the audit stream)
-- ARGV[1] SKU   ARGV[2] delta, signed decimal digits, not 0   ARGV[3] the largest stock
-- ARGV[4] who changes it (for the audit record)
--
-- Returns {'OK', stock, reorder_point, reorder_qty, open_order}, or a refusal that changes nothing:
-- {'INVALID_ARGUMENT', message} (a bad delta, removing more than there is, past the largest stock),
-- {'UNKNOWN_SKU', message}.

local text = ARGV[2]
local delta = type(text) == 'string' and #text <= 17 and string.match(text, '^-?%d+$') and tonumber(text)
if not delta or delta == 0 then
    return {'INVALID_ARGUMENT', 'the change must be a whole number other than 0, got ' .. tostring(text)}
end
local item = redis.call('HMGET', KEYS[1], 'stock', 'reorder_point', 'reorder_qty', 'open_order')
if not item[1] then
    return {'UNKNOWN_SKU', 'unknown SKU ' .. ARGV[1]}
end
local after = tonumber(item[1]) + delta
if after < 0 then
    return {'INVALID_ARGUMENT', 'cannot remove ' .. string.sub(text, 2) .. ' of ' .. ARGV[1] .. ': the stock is ' .. item[1]}
end
if after > tonumber(ARGV[3]) then
    return {'INVALID_ARGUMENT', 'the stock of ' .. ARGV[1] .. ' would pass ' .. ARGV[3]}
end
local stock = redis.call('HINCRBY', KEYS[1], 'stock', text)
local clock = redis.call('TIME')
auditRecord(KEYS[2], delta > 0 and 'stock-add' or 'stock-remove', ARGV[4], clock[1] * 1000 + math.floor(clock[2] / 1000),
    'sku', ARGV[1], 'change', text, 'stock', stock)
return {'OK', stock, tonumber(item[2]) or 0, tonumber(item[3]) or 0, item[4] or ''}
"""#
    )
}

extension ScriptCall {
    /// ``StockroomScripts/adjustStock``: `delta` units more (or fewer) of `sku`, by `actor`.
    public static func adjustStock(sku: String, delta: Int, actor: String, keys: KeySpace) -> ScriptCall {
        let partition = keys.partition(of: sku)
        return ScriptCall(
            StockroomScripts.adjustStock,
            keys: [keys.skuKey(sku, partition: partition), keys.auditStream(partition: partition)],
            arguments: [sku, String(delta), String(NumberRanges.stock.upperBound), actor]
        )
    }
}
