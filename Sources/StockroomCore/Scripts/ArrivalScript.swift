import StockroomRedis

extension StockroomScripts {
    /// Checks a factory callback against the order we placed and appends it to `stock-arrival`.
    ///
    /// The check runs before the append, in the same step: a forged callback appends nothing, so it
    /// can neither raise stock nor fill Redis with entries that would end as dead letters.
    public static let takeInArrival = RedisScript(
        name: "take-in-arrival",
        source: orderCheck + #"""
-- Stockroom arrival intake: check the callback, then append it once.
--
-- KEYS[1] stockroom:{pN}:order:<SKU@n>   KEYS[2] stockroom:{pN}:stream:stock-arrival
-- ARGV[1] order reference SKU@n   ARGV[2] the callback's token   ARGV[3] the callback's quantity
-- ARGV[4..] the entry's field/value pairs
--
-- Returns {'ACCEPTED', entry id}, {'ALREADY_APPLIED'} (a duplicate of a delivered order: nothing
-- appended), or a refusal that appends nothing: {'UNKNOWN_ORDER' | 'FORBIDDEN' | 'QUANTITY_MISMATCH' |
-- 'GONE', message}; GONE for an order that was cancelled or expired before the factory delivered it.

local refusal = refuseCallback(KEYS[1], ARGV[1], ARGV[2], tonumber(ARGV[3]))
if refusal then return refusal end
if redis.call('HGET', KEYS[1], 'status') == 'delivered' then
    redis.call('HINCRBY', KEYS[1], 'duplicate_arrivals', 1)
    return {'ALREADY_APPLIED'}
end
local fields = {}
for i = 4, #ARGV do fields[#fields + 1] = ARGV[i] end
return {'ACCEPTED', redis.call('XADD', KEYS[2], '*', unpack(fields))}
"""#
    )

    /// Applies a factory delivery exactly once per order reference.
    public static let applyArrival = RedisScript(
        name: "apply-arrival",
        source: orderCheck + OrderStateIndex.lua + #"""
-- Stockroom arrival: raise the stock once per factory order, close the order.
--
-- KEYS[1] stockroom:{pN}:sku:<SKU>       hash: stock, reorder_point, reorder_qty, open_order, order_seq
-- KEYS[2] stockroom:{pN}:order:<SKU@n>   hash: our record of the order
-- KEYS[3] stockroom:{pN}:orders:due      the order leaves it once delivered
-- KEYS[4] stockroom:{pN}:orders:transitions
-- ARGV[1] SKU   ARGV[2] order reference SKU@n   ARGV[3] quantity delivered   ARGV[4] the callback's token
-- ARGV[5] the stock-arrival entry id (kept for tracing)   ARGV[6] the partition's order-state prefix
--
-- Returns {'APPLIED', stock, cleared} (cleared 1 when the order was the SKU's open order) or
-- {'ALREADY_APPLIED', stock} (a duplicate: nothing changed). Refusals change nothing: {'UNKNOWN_SKU',
-- message}, and the intake's {'UNKNOWN_ORDER' | 'FORBIDDEN' | 'QUANTITY_MISMATCH', message}, checked
-- again here because an entry can reach the stream by other ways than the side port.

local quantity = tonumber(ARGV[3])
local refusal = refuseCallback(KEYS[2], ARGV[2], ARGV[4], quantity)
if refusal then return refusal end

local status = redis.call('HGET', KEYS[2], 'status')
if status == 'delivered' then
    -- A duplicated callback, or the delivery of a retried factory call: count it, change nothing else.
    redis.call('HINCRBY', KEYS[2], 'duplicate_arrivals', 1)
    return {'ALREADY_APPLIED', tonumber(redis.call('HGET', KEYS[1], 'stock')) or 0}
end

local item = redis.call('HMGET', KEYS[1], 'stock', 'open_order')
if not item[1] then
    return {'UNKNOWN_SKU', 'unknown SKU ' .. ARGV[1]}
end

local clock = redis.call('TIME')
local now = tostring(clock[1] * 1000 + math.floor(clock[2] / 1000))

local stock = redis.call('HINCRBY', KEYS[1], 'stock', quantity)
redis.call('HSET', KEYS[2], 'status', 'delivered', 'delivered_at', now,
    'delivered_qty', quantity, 'arrival_entry', ARGV[5])
moveOrderState(ARGV[6], ARGV[2], status, 'delivered', now)
redis.call('ZREM', KEYS[3], ARGV[2])
redis.call('HINCRBY', KEYS[4], 'delivered', 1)
local cleared = 0
if item[2] == ARGV[2] then
    -- The next stock-out may open a new order now.
    redis.call('HSET', KEYS[1], 'open_order', '')
    cleared = 1
end
return {'APPLIED', stock, cleared}
"""#
    )

    /// The one check of a callback against our order record, shared by intake and apply.
    ///
    /// Token before quantity, so that a caller without the token learns nothing about the order.
    /// The tokens are compared through their SHA-1 so that the comparison's time says nothing about
    /// how much of a guess was right.
    private static let orderCheck = #"""
-- Returns nil when the callback carries the order's token and quantity, else {code, message}.
local function refuseCallback(orderKey, order, token, quantity)
    local record = redis.call('HMGET', orderKey, 'token', 'quantity')
    if not record[1] then
        return {'UNKNOWN_ORDER', 'order ' .. order .. ' was never placed with the factory'}
    end
    if not token or token == '' or redis.sha1hex(token) ~= redis.sha1hex(record[1]) then
        return {'FORBIDDEN', 'the callback does not carry the token of order ' .. order}
    end
    if quantity ~= tonumber(record[2]) then
        return {'QUANTITY_MISMATCH', 'order ' .. order .. ' was for ' .. record[2] .. ', the callback says ' ..
            tostring(quantity)}
    end
    local status = redis.call('HGET', orderKey, 'status')
    if status == 'cancelled' or status == 'expired' then
        return {'GONE', 'order ' .. order .. ' was ' .. status .. ' before this delivery'}
    end
    return nil
end

"""#
}

extension ScriptCall {
    /// ``StockroomScripts/takeInArrival`` for one callback, appended to the `stock-arrival` stream of `partition`.
    public static func takeInArrival(_ arrival: StockArrivalEvent, partition: Int, keys: KeySpace) -> ScriptCall {
        ScriptCall(
            StockroomScripts.takeInArrival,
            keys: [keys.orderKey(arrival.order.description, partition: partition), keys.stream(.stockArrival, partition: partition)],
            arguments: [arrival.order.description, arrival.token, String(arrival.quantity)] + arrival.fields
        )
    }

    /// ``StockroomScripts/applyArrival`` for one stock-arrival entry, `entryID` in its stream of `partition`.
    public static func applyArrival(_ arrival: StockArrivalEvent, entryID: String, partition: Int, keys: KeySpace) -> ScriptCall {
        ScriptCall(
            StockroomScripts.applyArrival,
            keys: [
                keys.skuKey(arrival.sku, partition: partition), keys.orderKey(arrival.order.description, partition: partition),
                keys.ordersDueKey(partition: partition), keys.orderTransitionsKey(partition: partition),
            ],
            arguments: [
                arrival.sku, arrival.order.description, String(arrival.quantity), arrival.token, entryID,
                keys.orderStatePrefix(partition: partition),
            ]
        )
    }
}
