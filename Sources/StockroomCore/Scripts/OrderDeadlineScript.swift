import StockroomRedis

extension StockroomScripts {
    /// An order's deadline passed: ask the factory again while attempts remain, else expire the order.
    ///
    /// The legacy factory calls back once and never retries, so asking again is the only way a lost
    /// callback is recovered. Expiring closes the SKU's open order, so a stuck order can never keep a
    /// SKU from ordering again; when the stock is still at or below the reorder point, the same step
    /// opens the next order and appends its stock-empty event, as the purchase script would.
    public static let passOrderDeadline = RedisScript(
        name: "factory-order-deadline",
        source: OrderStateIndex.lua + #"""
-- Stockroom factory order: its deadline passed.
--
-- KEYS[1] stockroom:{pN}:order:<SKU@n>   KEYS[2] stockroom:{pN}:orders:due
-- KEYS[3] stockroom:{pN}:sku:<SKU>       KEYS[4] stockroom:{pN}:stream:stock-empty
-- KEYS[5] stockroom:{pN}:orders:transitions
-- ARGV[1] order reference   ARGV[2] SKU   ARGV[3] most factory calls per order   ARGV[4] deadline, ms
-- ARGV[5] the partition's order-state prefix, <tag>:orders:state:
--
-- Returns {'NOT_DUE'} (another process moved the deadline), {'CLOSED'} (delivered, cancelled or expired
-- before; taken off the due set), {'REQUEST_AGAIN', token, quantity} (deadline moved on by one more
-- period: call the factory), or {'EXPIRED', the order opened in its place or ''}.

local clock = redis.call('TIME')
local now = clock[1] * 1000 + math.floor(clock[2] / 1000)
local due = redis.call('ZSCORE', KEYS[2], ARGV[1])
if not due then return {'CLOSED'} end
if tonumber(due) > now then return {'NOT_DUE'} end

local order = redis.call('HMGET', KEYS[1], 'status', 'attempts', 'token', 'quantity')
local status = order[1]
if status ~= 'open' and status ~= 'requested' then
    redis.call('ZREM', KEYS[2], ARGV[1])
    return {'CLOSED'}
end
if (tonumber(order[2]) or 0) < tonumber(ARGV[3]) and order[3] then
    -- Claimed for one period, so that two sweeps do not both call the factory now.
    redis.call('ZADD', KEYS[2], now + tonumber(ARGV[4]), ARGV[1])
    redis.call('HINCRBY', KEYS[5], 'requested_again', 1)
    return {'REQUEST_AGAIN', order[3], tonumber(order[4])}
end

redis.call('HSET', KEYS[1], 'status', 'expired', 'expired_at', now)
moveOrderState(ARGV[5], ARGV[1], status, 'expired', now)
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('HINCRBY', KEYS[5], 'expired', 1)
local item = redis.call('HMGET', KEYS[3], 'stock', 'reorder_point', 'reorder_qty', 'open_order')
if item[4] ~= ARGV[1] then return {'EXPIRED', ''} end
redis.call('HSET', KEYS[3], 'open_order', '')
local stock, reorderPoint = tonumber(item[1]) or 0, tonumber(item[2]) or 0
if stock > reorderPoint then return {'EXPIRED', ''} end
local next = ARGV[2] .. '@' .. redis.call('HINCRBY', KEYS[3], 'order_seq', 1)
redis.call('HSET', KEYS[3], 'open_order', next)
redis.call('XADD', KEYS[4], '*', 'sku', ARGV[2], 'order', next, 'reason', 'expired_order', 'stock', item[1],
    'wanted', 0, 'reorder_qty', item[3], 'at', now)
return {'EXPIRED', next}
"""#
    )
}

extension ScriptCall {
    /// ``StockroomScripts/passOrderDeadline`` for `order`, in `partition`.
    public static func passOrderDeadline(
        _ order: OrderReference,
        maximumAttempts: Int,
        deadline: Duration,
        partition: Int,
        keys: KeySpace
    ) -> ScriptCall {
        ScriptCall(
            StockroomScripts.passOrderDeadline,
            keys: [
                keys.orderKey(order.description, partition: partition), keys.ordersDueKey(partition: partition),
                keys.skuKey(order.sku, partition: partition), keys.stream(.stockEmpty, partition: partition),
                keys.orderTransitionsKey(partition: partition),
            ],
            arguments: [
                order.description, order.sku, String(maximumAttempts), String(deadline.wholeMilliseconds),
                keys.orderStatePrefix(partition: partition),
            ]
        )
    }
}
