import StockroomRedis

extension StockroomScripts {
    /// Creates a SKU or changes its stock and reorder settings.
    ///
    /// Kept as Lua text in Swift so the binary carries its scripts: nothing to install beside it.
    public static let setStock = RedisScript(
        name: "set-stock",
        source: NumberRanges.lua + OperatorAudit.lua + #"""
-- Stockroom stock set: create a SKU or change its stock and reorder settings.
--
-- KEYS[1] stockroom:{pN}:sku:<SKU>   hash: stock, reorder_point, reorder_qty, open_order, order_seq
-- KEYS[2] stockroom:{pN}:sku-names   sorted set of the partition's SKUs, scored 0 (what the console pages)
-- KEYS[3] stockroom:{pN}:audit:redrive (the audit stream)
-- ARGV[1] SKU   ARGV[2] stock   ARGV[3] reorder point or ''   ARGV[4] reorder quantity or ''
-- ARGV[5] reorder quantity for a new SKU that names none
-- ARGV[6] largest stock   ARGV[7] largest reorder point   ARGV[8] largest reorder quantity
-- ARGV[9] who sets it (for the audit record)
--
-- Returns {'OK', stock, reorder_point, reorder_qty, open_order} or {'INVALID_ARGUMENT', message}.
-- An open factory order stays open: only its arrival closes it.

local stock, problem = wholeNumber(ARGV[2], 'stock', '0', ARGV[6])
if not stock then return {'INVALID_ARGUMENT', problem} end

local reorderPoint, reorderQuantity
if ARGV[3] ~= '' then
    reorderPoint, problem = wholeNumber(ARGV[3], 'reorder point', '0', ARGV[7])
    if not reorderPoint then return {'INVALID_ARGUMENT', problem} end
end
if ARGV[4] ~= '' then
    reorderQuantity, problem = wholeNumber(ARGV[4], 'reorder quantity', '1', ARGV[8])
    if not reorderQuantity then return {'INVALID_ARGUMENT', problem} end
end

local current = redis.call('HMGET', KEYS[1], 'reorder_point', 'reorder_qty')
reorderPoint = reorderPoint or tonumber(current[1]) or 0
reorderQuantity = reorderQuantity or tonumber(current[2]) or tonumber(ARGV[5])

redis.call('HSET', KEYS[1], 'sku', ARGV[1], 'stock', stock,
    'reorder_point', reorderPoint, 'reorder_qty', reorderQuantity)
redis.call('ZADD', KEYS[2], 0, ARGV[1])
local openOrder = redis.call('HGET', KEYS[1], 'open_order') or ''
local clock = redis.call('TIME')
auditRecord(KEYS[3], 'stock-set', ARGV[9], clock[1] * 1000 + math.floor(clock[2] / 1000), 'sku', ARGV[1],
    'stock', stock, 'reorder_point', reorderPoint, 'reorder_qty', reorderQuantity)
return {'OK', stock, reorderPoint, reorderQuantity, openOrder}
"""#
    )
}

extension ScriptCall {
    /// ``StockroomScripts/setStock`` for `update`, by `actor`; `defaultReorderQuantity` applies to a new
    /// SKU that names none.
    public static func setStock(_ update: StockUpdate, actor: String, keys: KeySpace, defaultReorderQuantity: Int) -> ScriptCall {
        let partition = keys.partition(of: update.sku)
        return ScriptCall(
            StockroomScripts.setStock,
            keys: [
                keys.skuKey(update.sku, partition: partition), keys.skuNamesKey(partition: partition),
                keys.auditStream(partition: partition),
            ],
            arguments: [
                update.sku, String(update.stock),
                update.reorderPoint.map(String.init) ?? "",
                update.reorderQuantity.map(String.init) ?? "",
                String(defaultReorderQuantity),
                String(NumberRanges.stock.upperBound), String(NumberRanges.reorderPoint.upperBound),
                String(NumberRanges.reorderQuantity.upperBound), actor,
            ]
        )
    }
}
