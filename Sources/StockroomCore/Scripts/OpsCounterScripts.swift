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

/// What keeps an ops count to once per entry: a key per counted entry, living `ttlSeconds`. Without
/// one a count is at least once: a redelivery after a lost XACK counts again.
public struct OpsCountGuard: Sendable, Hashable {
    public var key: String
    public var ttlSeconds: Int

    public init(key: String, ttlSeconds: Int) {
        self.key = key
        self.ttlSeconds = ttlSeconds
    }
}

extension ScriptCall {
    /// ``StockroomScripts/opsSale`` for one sales entry of `partition`.
    public static func opsSale(_ sale: SaleEvent, guard: OpsCountGuard?, partition: Int, keys: KeySpace) -> ScriptCall {
        opsCount(
            StockroomScripts.opsSale, sku: sale.sku, guard: `guard`, partition: partition, keys: keys,
            arguments: [String(sale.quantity), sale.at, sale.remaining]
        )
    }

    /// ``StockroomScripts/opsStockEmpty`` for one stock-empty entry of `partition`.
    public static func opsStockEmpty(_ event: StockEmptyEvent, guard: OpsCountGuard?, partition: Int, keys: KeySpace) -> ScriptCall {
        opsCount(
            StockroomScripts.opsStockEmpty, sku: event.sku, guard: `guard`, partition: partition, keys: keys,
            arguments: [event.at, event.order.description, event.reason]
        )
    }

    /// Both ops scripts: KEYS[1] the counters, KEYS[2] the guard if any; the guard's TTL is the last ARGV.
    private static func opsCount(
        _ script: RedisScript,
        sku: String,
        guard: OpsCountGuard?,
        partition: Int,
        keys: KeySpace,
        arguments: [String]
    ) -> ScriptCall {
        ScriptCall(
            script,
            keys: [keys.opsKey(sku, partition: partition)] + (`guard`.map { [$0.key] } ?? []),
            arguments: arguments + [String(`guard`?.ttlSeconds ?? 0)]
        )
    }
}
