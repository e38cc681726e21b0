import StockroomRedis

extension StockroomScripts {
    /// Gives an order its callback token and fixes its quantity, before the first factory call.
    ///
    /// The factory echoes our callback URL verbatim, token included, so the side port can tell the
    /// factory's delivery from a forged one. Every later call for the order reuses the same token.
    public static let prepareOrder = RedisScript(
        name: "factory-order-prepare",
        source: OrderStateIndex.lua + #"""
-- Stockroom factory order: token and quantity, before the factory is called.
--
-- KEYS[1] stockroom:{pN}:order:<SKU@n>   KEYS[2] stockroom:{pN}:orders:due
-- KEYS[3] stockroom:{pN}:orders:transitions
-- ARGV[1] SKU   ARGV[2] quantity to order   ARGV[3] a fresh token (used only if the order has none)
-- ARGV[4] order reference   ARGV[5] the order's deadline, ms from now
-- ARGV[6] the partition's order-state prefix, <tag>:orders:state:
--
-- Returns {'PREPARED', token, quantity, status}: the order's token and quantity, as first prepared. A new
-- order becomes `open`, with its deadline in the due set.

local clock = redis.call('TIME')
local now = clock[1] * 1000 + math.floor(clock[2] / 1000)
redis.call('HSETNX', KEYS[1], 'sku', ARGV[1])
redis.call('HSETNX', KEYS[1], 'quantity', ARGV[2])
redis.call('HSETNX', KEYS[1], 'token', ARGV[3])
if redis.call('HSETNX', KEYS[1], 'status', 'open') == 1 then
    redis.call('HSET', KEYS[1], 'opened_at', now)
    redis.call('ZADD', KEYS[2], 'NX', now + tonumber(ARGV[5]), ARGV[4])
    redis.call('HINCRBY', KEYS[3], 'opened', 1)
    moveOrderState(ARGV[6], ARGV[4], nil, 'open', now)
end
local order = redis.call('HMGET', KEYS[1], 'token', 'quantity', 'status')
return {'PREPARED', order[1], tonumber(order[2]), order[3]}
"""#
    )

    /// Records that the factory acknowledged an order.
    ///
    /// A script rather than an HSET because the callback can overtake this write (the factory
    /// delivered before we recorded its acknowledgement): a delivered order must stay delivered.
    public static let recordOrderRequested = RedisScript(
        name: "factory-order-requested",
        source: OrderStateIndex.lua + #"""
-- Stockroom factory order: the factory acknowledged it.
--
-- KEYS[1] stockroom:{pN}:order:<SKU@n>   hash: sku, quantity, status, factory_id, attempts, requested_at, …
-- KEYS[2] stockroom:{pN}:orders:due   KEYS[3] stockroom:{pN}:orders:transitions
-- ARGV[1] SKU   ARGV[2] quantity   ARGV[3] the factory's id of the order   ARGV[4] order reference
-- ARGV[5] the order's deadline, ms from now   ARGV[6] the partition's order-state prefix, <tag>:orders:state:
--
-- Returns {'REQUESTED', attempts}, or {'ALREADY_CLOSED', attempts, status} when the order was delivered,
-- cancelled or expired meanwhile, or failed (its entry dead-lettered while the call was under way): its
-- status stays, and a failed order's delivery is still taken in.

local clock = redis.call('TIME')
local now = clock[1] * 1000 + math.floor(clock[2] / 1000)

local status = redis.call('HGET', KEYS[1], 'status')
redis.call('HSET', KEYS[1], 'sku', ARGV[1], 'quantity', ARGV[2], 'factory_id', ARGV[3], 'requested_at', now)
local attempts = redis.call('HINCRBY', KEYS[1], 'attempts', 1)
if status == 'delivered' or status == 'cancelled' or status == 'expired' or status == 'failed' then
    return {'ALREADY_CLOSED', attempts, status}
end
if status ~= 'requested' then redis.call('HINCRBY', KEYS[3], 'requested', 1) end
redis.call('HSET', KEYS[1], 'status', 'requested')
moveOrderState(ARGV[6], ARGV[4], status, 'requested', now)
-- A new deadline from this request on: the factory gets its full time before we ask again.
redis.call('ZADD', KEYS[2], now + tonumber(ARGV[5]), ARGV[4])
return {'REQUESTED', attempts}
"""#
    )

    /// Records a failed factory call; the order stays unplaced (no `status`) and the entry pending.
    public static let recordOrderFailure = RedisScript(
        name: "factory-order-failure",
        source: #"""
-- Stockroom factory order: a call to the factory failed.
--
-- KEYS[1] stockroom:{pN}:order:<SKU@n>
-- ARGV[1] SKU   ARGV[2] quantity   ARGV[3] error code   ARGV[4] error message
--
-- Returns {'RECORDED', attempts}. Never changes `status`.

local clock = redis.call('TIME')
local now = tostring(clock[1] * 1000 + math.floor(clock[2] / 1000))

redis.call('HSET', KEYS[1], 'sku', ARGV[1], 'quantity', ARGV[2],
    'last_error_code', ARGV[3], 'last_error', ARGV[4], 'last_error_at', now)
local attempts = redis.call('HINCRBY', KEYS[1], 'attempts', 1)
return {'RECORDED', attempts}
"""#
    )
}

extension ScriptCall {
    /// ``StockroomScripts/prepareOrder``: `token` becomes `order`'s token unless it has one; a new order
    /// is due `deadline` from now.
    public static func prepareOrder(
        _ order: OrderReference,
        quantity: Int,
        token: String,
        deadline: Duration,
        partition: Int,
        keys: KeySpace
    ) -> ScriptCall {
        ScriptCall(
            StockroomScripts.prepareOrder,
            keys: [
                keys.orderKey(order.description, partition: partition), keys.ordersDueKey(partition: partition),
                keys.orderTransitionsKey(partition: partition),
            ],
            arguments: [
                order.sku, String(quantity), token, order.description, String(deadline.wholeMilliseconds),
                keys.orderStatePrefix(partition: partition),
            ]
        )
    }

    /// ``StockroomScripts/recordOrderRequested``: the factory took `order` for `quantity` and calls it `factoryID`.
    public static func recordOrderRequested(
        _ order: OrderReference,
        quantity: Int,
        factoryID: String,
        deadline: Duration,
        partition: Int,
        keys: KeySpace
    ) -> ScriptCall {
        ScriptCall(
            StockroomScripts.recordOrderRequested,
            keys: [
                keys.orderKey(order.description, partition: partition), keys.ordersDueKey(partition: partition),
                keys.orderTransitionsKey(partition: partition),
            ],
            arguments: [
                order.sku, String(quantity), factoryID, order.description, String(deadline.wholeMilliseconds),
                keys.orderStatePrefix(partition: partition),
            ]
        )
    }

    /// ``StockroomScripts/recordOrderFailure``: a call for `order` failed with `code` and `message`.
    public static func recordOrderFailure(
        _ order: OrderReference,
        quantity: Int,
        code: String,
        message: String,
        partition: Int,
        keys: KeySpace
    ) -> ScriptCall {
        ScriptCall(
            StockroomScripts.recordOrderFailure,
            keys: [keys.orderKey(order.description, partition: partition)],
            arguments: [order.sku, String(quantity), code, String(message.prefix(500))]
        )
    }
}
