import StockroomRedis

extension StockroomScripts {
    /// An operator closes an order that is still waiting, or failed: the SKU may order again, and a
    /// late delivery for it is refused (410) and raises nothing. A failed order's dead letter stays
    /// (purging or redriving it later leaves the cancelled order as it is).
    public static let cancelOrder = RedisScript(
        name: "factory-order-cancel",
        source: OrderStateIndex.lua + OperatorAudit.lua + #"""
-- Stockroom factory order: cancelled by an operator.
--
-- KEYS[1] stockroom:{pN}:order:<SKU@n>   KEYS[2] stockroom:{pN}:orders:due   KEYS[3] stockroom:{pN}:sku:<SKU>
-- KEYS[4] stockroom:{pN}:orders:transitions   KEYS[5] stockroom:{pN}:audit:redrive (the audit stream)
-- ARGV[1] order reference   ARGV[2] the partition's order-state prefix   ARGV[3] who cancels it
--
-- Returns {'CANCELLED'}, or {'NOT_OPEN', status} for an order that is not open, requested or failed
-- ('' when there is no such order); those change nothing.

local status = redis.call('HGET', KEYS[1], 'status')
if status ~= 'open' and status ~= 'requested' and status ~= 'failed' then return {'NOT_OPEN', status or ''} end
local clock = redis.call('TIME')
local now = clock[1] * 1000 + math.floor(clock[2] / 1000)
redis.call('HSET', KEYS[1], 'status', 'cancelled', 'cancelled_at', now, 'cancelled_by', ARGV[3])
redis.call('ZREM', KEYS[2], ARGV[1])
moveOrderState(ARGV[2], ARGV[1], status, 'cancelled', now)
auditRecord(KEYS[5], 'cancel-order', ARGV[3], now, 'order', ARGV[1],
    'sku', redis.call('HGET', KEYS[1], 'sku') or '', 'status', status)
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
        source: OperatorAudit.lua + #"""
-- KEYS[1] stockroom:{pN}:order:<SKU@n>   KEYS[2] stockroom:{pN}:orders:due   KEYS[3] the audit stream
-- ARGV[1] order reference   ARGV[2] who asks
-- Returns {'SCHEDULED'} or {'NOT_OPEN', status}.
local status = redis.call('HGET', KEYS[1], 'status')
if status ~= 'open' and status ~= 'requested' then return {'NOT_OPEN', status or ''} end
redis.call('ZADD', KEYS[2], 0, ARGV[1])
local clock = redis.call('TIME')
auditRecord(KEYS[3], 'retry-order', ARGV[2], clock[1] * 1000 + math.floor(clock[2] / 1000), 'order', ARGV[1],
    'sku', redis.call('HGET', KEYS[1], 'sku') or '', 'status', status)
return {'SCHEDULED'}
"""#
    )
}

extension ScriptCall {
    /// ``StockroomScripts/cancelOrder`` of `order`, by `actor`.
    public static func cancelOrder(_ order: OrderReference, actor: String, keys: KeySpace) -> ScriptCall {
        let partition = keys.partition(of: order.sku)
        return ScriptCall(
            StockroomScripts.cancelOrder,
            keys: [
                keys.orderKey(order.description, partition: partition), keys.ordersDueKey(partition: partition),
                keys.skuKey(order.sku, partition: partition), keys.orderTransitionsKey(partition: partition),
                keys.auditStream(partition: partition),
            ],
            arguments: [order.description, keys.orderStatePrefix(partition: partition), actor]
        )
    }

    /// ``StockroomScripts/retryOrderNow`` of `order`, by `actor`.
    public static func retryOrderNow(_ order: OrderReference, actor: String, keys: KeySpace) -> ScriptCall {
        let partition = keys.partition(of: order.sku)
        return ScriptCall(
            StockroomScripts.retryOrderNow,
            keys: [
                keys.orderKey(order.description, partition: partition), keys.ordersDueKey(partition: partition),
                keys.auditStream(partition: partition),
            ],
            arguments: [order.description, actor]
        )
    }
}
