import StockroomRedis

extension StockroomScripts {
    /// Records that the factory acknowledged an order.
    ///
    /// A script rather than an HSET because the callback can overtake this write (the factory
    /// delivered before we recorded its acknowledgement): a delivered order must stay delivered.
    public static let recordOrderRequested = RedisScript(
        name: "factory-order-requested",
        source: #"""
-- Stockroom factory order: the factory acknowledged it.
--
-- KEYS[1] stockroom:{pN}:order:<SKU@n>   hash: sku, quantity, status, factory_id, attempts, requested_at, …
-- ARGV[1] SKU   ARGV[2] quantity   ARGV[3] the factory's id of the order
--
-- Returns {'REQUESTED', attempts} or {'ALREADY_DELIVERED', attempts} (status left at delivered).

local clock = redis.call('TIME')
local now = tostring(clock[1] * 1000 + math.floor(clock[2] / 1000))

local status = redis.call('HGET', KEYS[1], 'status')
redis.call('HSET', KEYS[1], 'sku', ARGV[1], 'quantity', ARGV[2], 'factory_id', ARGV[3], 'requested_at', now)
local attempts = redis.call('HINCRBY', KEYS[1], 'attempts', 1)
if status == 'delivered' then
    return {'ALREADY_DELIVERED', attempts}
end
redis.call('HSET', KEYS[1], 'status', 'requested')
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
    /// ``StockroomScripts/recordOrderRequested``: the factory took `order` for `quantity` and calls it `factoryID`.
    public static func recordOrderRequested(
        _ order: OrderReference,
        quantity: Int,
        factoryID: String,
        partition: Int,
        keys: KeySpace
    ) -> ScriptCall {
        ScriptCall(
            StockroomScripts.recordOrderRequested,
            keys: [keys.orderKey(order.description, partition: partition)],
            arguments: [order.sku, String(quantity), factoryID]
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
