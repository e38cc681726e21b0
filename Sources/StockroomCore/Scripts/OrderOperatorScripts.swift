import StockroomRedis

extension StockroomScripts {
    /// An operator closes an order that is still waiting, or failed: the SKU may order again, and a
    /// late delivery for it is refused (410) and raises nothing. A failed order's dead letter stays
    /// (purging or redriving it later leaves the cancelled order as it is).
    public static let cancelOrder = RedisScript(
        name: "factory-order-cancel",
        source: #"""
-- Stockroom factory order: cancelled by an operator.
--
-- KEYS[1] stockroom:{pN}:order:<SKU@n>   KEYS[2] stockroom:{pN}:orders:due   KEYS[3] stockroom:{pN}:sku:<SKU>
-- KEYS[4] stockroom:{pN}:orders:transitions
-- ARGV[1] order reference
--
-- Returns {'CANCELLED'}, or {'NOT_OPEN', status} for an order that is not open, requested or failed
-- ('' when there is no such order); those change nothing.

local status = redis.call('HGET', KEYS[1], 'status')
if status ~= 'open' and status ~= 'requested' and status ~= 'failed' then return {'NOT_OPEN', status or ''} end
local clock = redis.call('TIME')
redis.call('HSET', KEYS[1], 'status', 'cancelled', 'cancelled_at', clock[1] * 1000 + math.floor(clock[2] / 1000))
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('HINCRBY', KEYS[4], 'cancelled', 1)
if redis.call('HGET', KEYS[3], 'open_order') == ARGV[1] then
    redis.call('HSET', KEYS[3], 'open_order', '')
end
return {'CANCELLED'}
"""#
    )

    /// An operator asks for an order to be requested from the factory again now: its deadline is set
    /// to the past, so the next watchdog pass requests it (within its attempts).
    public static let retryOrderNow = RedisScript(
        name: "factory-order-retry",
        source: #"""
-- KEYS[1] stockroom:{pN}:order:<SKU@n>   KEYS[2] stockroom:{pN}:orders:due
-- ARGV[1] order reference
-- Returns {'SCHEDULED'} or {'NOT_OPEN', status}.
local status = redis.call('HGET', KEYS[1], 'status')
if status ~= 'open' and status ~= 'requested' then return {'NOT_OPEN', status or ''} end
redis.call('ZADD', KEYS[2], 0, ARGV[1])
return {'SCHEDULED'}
"""#
    )
}

extension ScriptCall {
    /// ``StockroomScripts/cancelOrder`` of `order`.
    public static func cancelOrder(_ order: OrderReference, keys: KeySpace) -> ScriptCall {
        let partition = keys.partition(of: order.sku)
        return ScriptCall(
            StockroomScripts.cancelOrder,
            keys: [
                keys.orderKey(order.description, partition: partition), keys.ordersDueKey(partition: partition),
                keys.skuKey(order.sku, partition: partition), keys.orderTransitionsKey(partition: partition),
            ],
            arguments: [order.description]
        )
    }

    /// ``StockroomScripts/retryOrderNow`` of `order`.
    public static func retryOrderNow(_ order: OrderReference, keys: KeySpace) -> ScriptCall {
        let partition = keys.partition(of: order.sku)
        return ScriptCall(
            StockroomScripts.retryOrderNow,
            keys: [keys.orderKey(order.description, partition: partition), keys.ordersDueKey(partition: partition)],
            arguments: [order.description]
        )
    }
}
