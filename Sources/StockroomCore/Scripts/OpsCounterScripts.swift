import StockroomRedis

extension StockroomScripts {
    /// Counts one sale in the SKU's ops counters, once per stream entry.
    public static let opsSale = RedisScript(
        name: "ops-sale",
        source: #"""
-- Stockroom ops: count a sale.
--
-- KEYS[1] stockroom:{pN}:ops:sku:<SKU>   hash: sold, sales, last_sale_at, remaining, stockouts, …
-- KEYS[2] (optional) stockroom:{pN}:ops:seen:<entry id>   the at-least-once guard, expires
-- ARGV[1] quantity   ARGV[2] at (ms)   ARGV[3] remaining   ARGV[4] guard TTL (seconds)
--
-- Returns {'COUNTED', sold} or {'DUPLICATE'} when the guard shows this entry was counted.

if KEYS[2] and not redis.call('SET', KEYS[2], '1', 'NX', 'EX', ARGV[4]) then
    return {'DUPLICATE'}
end
local sold = redis.call('HINCRBY', KEYS[1], 'sold', ARGV[1])
redis.call('HINCRBY', KEYS[1], 'sales', 1)
redis.call('HSET', KEYS[1], 'last_sale_at', ARGV[2], 'remaining', ARGV[3])
return {'COUNTED', sold}
"""#
    )

    /// Counts one stock-out in the SKU's ops counters, once per stream entry.
    public static let opsStockEmpty = RedisScript(
        name: "ops-stock-empty",
        source: #"""
-- Stockroom ops: count a stock-out.
--
-- KEYS[1] stockroom:{pN}:ops:sku:<SKU>
-- KEYS[2] (optional) stockroom:{pN}:ops:seen:<entry id>
-- ARGV[1] at (ms)   ARGV[2] order reference   ARGV[3] reason   ARGV[4] guard TTL (seconds)
--
-- Returns {'COUNTED', stockouts} or {'DUPLICATE'}.

if KEYS[2] and not redis.call('SET', KEYS[2], '1', 'NX', 'EX', ARGV[4]) then
    return {'DUPLICATE'}
end
local stockouts = redis.call('HINCRBY', KEYS[1], 'stockouts', 1)
redis.call('HSET', KEYS[1], 'last_stockout_at', ARGV[1], 'last_order', ARGV[2], 'last_stockout_reason', ARGV[3])
return {'COUNTED', stockouts}
"""#
    )
}

extension ScriptCall {
    /// ``StockroomScripts/opsSale`` for one sales entry. With a `guardKey`, the entry counts once
    /// while the key lives (`guardTTLSeconds`); without one, at least once.
    public static func opsSale(
        _ sale: SaleEvent,
        guardKey: String?,
        guardTTLSeconds: Int,
        partition: Int,
        keys: KeySpace
    ) -> ScriptCall {
        ScriptCall(
            StockroomScripts.opsSale,
            keys: [keys.opsKey(sale.sku, partition: partition)] + (guardKey.map { [$0] } ?? []),
            arguments: [String(sale.quantity), sale.at, sale.remaining, String(guardTTLSeconds)]
        )
    }

    /// ``StockroomScripts/opsStockEmpty`` for one stock-empty entry, guarded like ``opsSale(_:guardKey:guardTTLSeconds:keys:)``.
    public static func opsStockEmpty(
        _ event: StockEmptyEvent,
        guardKey: String?,
        guardTTLSeconds: Int,
        partition: Int,
        keys: KeySpace
    ) -> ScriptCall {
        ScriptCall(
            StockroomScripts.opsStockEmpty,
            keys: [keys.opsKey(event.sku, partition: partition)] + (guardKey.map { [$0] } ?? []),
            arguments: [event.at, event.order.description, event.reason, String(guardTTLSeconds)]
        )
    }
}
