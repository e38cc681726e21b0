import StockroomRedis

extension StockroomScripts {
    /// Applies a factory delivery exactly once per order reference.
    public static let applyArrival = RedisScript(
        name: "apply-arrival",
        source: #"""
-- Stockroom arrival: raise the stock once per factory order, close the order.
--
-- KEYS[1] stockroom:{pN}:sku:<SKU>       hash: stock, reorder_point, reorder_qty, open_order, order_seq
-- KEYS[2] stockroom:{pN}:order:<SKU@n>   hash: our record of the order
-- ARGV[1] SKU   ARGV[2] order reference SKU@n   ARGV[3] n   ARGV[4] quantity delivered
-- ARGV[5] the stock-arrival entry id (kept for tracing)
--
-- Returns {'APPLIED', stock, cleared} (cleared 1 when the order was the SKU's open order) or
-- {'ALREADY_APPLIED', stock} (a duplicate: nothing changed). Refusals change nothing:
-- {'INVALID_ARGUMENT', message}, {'UNKNOWN_SKU', message}, {'UNKNOWN_ORDER', message}.

local quantity = tonumber(ARGV[4])
if not quantity or quantity ~= math.floor(quantity) or quantity < 1 then
    return {'INVALID_ARGUMENT', 'quantity must be a whole number of at least 1, got ' .. ARGV[4]}
end

local status = redis.call('HGET', KEYS[2], 'status')
if status == 'delivered' then
    -- A duplicated callback, or the delivery of a retried factory call: count it, change nothing else.
    redis.call('HINCRBY', KEYS[2], 'duplicate_arrivals', 1)
    return {'ALREADY_APPLIED', tonumber(redis.call('HGET', KEYS[1], 'stock')) or 0}
end

local item = redis.call('HMGET', KEYS[1], 'stock', 'open_order', 'order_seq')
if not item[1] then
    return {'UNKNOWN_SKU', 'unknown SKU ' .. ARGV[1]}
end
-- The purchase script numbers orders from order_seq: a higher number was never opened by us, so a
-- callback naming it is forged or misrouted. A lower one is ours even without a record (the record
-- write can lose the race with a fast factory, or fail after the factory took the order).
if tonumber(ARGV[3]) > (tonumber(item[3]) or 0) then
    return {'UNKNOWN_ORDER', 'order ' .. ARGV[2] .. ' was never opened (order_seq ' .. (item[3] or '0') .. ')'}
end

local clock = redis.call('TIME')
local now = tostring(clock[1] * 1000 + math.floor(clock[2] / 1000))

local stock = redis.call('HINCRBY', KEYS[1], 'stock', quantity)
redis.call('HSET', KEYS[2], 'sku', ARGV[1], 'status', 'delivered', 'delivered_at', now,
    'delivered_qty', quantity, 'arrival_entry', ARGV[5])
local cleared = 0
if item[2] == ARGV[2] then
    -- The next stock-out may open a new order now.
    redis.call('HSET', KEYS[1], 'open_order', '')
    cleared = 1
end
return {'APPLIED', stock, cleared}
"""#
    )
}

extension ScriptCall {
    /// ``StockroomScripts/applyArrival`` for one stock-arrival entry, `entryID` in its stream of `partition`.
    public static func applyArrival(_ arrival: StockArrivalEvent, entryID: String, partition: Int, keys: KeySpace) -> ScriptCall {
        ScriptCall(
            StockroomScripts.applyArrival,
            keys: [keys.skuKey(arrival.sku, partition: partition), keys.orderKey(arrival.order.description, partition: partition)],
            arguments: [arrival.sku, arrival.order.description, String(arrival.order.number), String(arrival.quantity), entryID]
        )
    }
}
