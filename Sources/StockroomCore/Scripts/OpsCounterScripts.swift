import StockroomRedis

extension StockroomScripts {
    /// Counts one sale in the SKU's ops counters, and acknowledges its entry in the same step.
    public static let opsSale = RedisScript(
        name: "ops-sale",
        source: acknowledgeOnce + #"""
-- Stockroom ops: count a sale.
--
-- KEYS[1] stockroom:{pN}:ops:sku:<SKU>   hash: sold, sales, last_sale_at, remaining, stockouts, …
-- KEYS[2], KEYS[3] (optional) the entry's stream and its group's last-error hash
-- ARGV[1] quantity   ARGV[2] at (ms)   ARGV[3] remaining   ARGV[4..6] group, entry id, error field
--
-- Returns {'COUNTED', sold} or {'DUPLICATE'} when the entry was acknowledged before (so counted).

if not acknowledgedNow(4) then return {'DUPLICATE'} end
local sold = redis.call('HINCRBY', KEYS[1], 'sold', ARGV[1])
redis.call('HINCRBY', KEYS[1], 'sales', 1)
redis.call('HSET', KEYS[1], 'last_sale_at', ARGV[2], 'remaining', ARGV[3])
return {'COUNTED', sold}
"""#
    )

    /// Counts one stock-out in the SKU's ops counters, and acknowledges its entry in the same step.
    public static let opsStockEmpty = RedisScript(
        name: "ops-stock-empty",
        source: acknowledgeOnce + #"""
-- Stockroom ops: count a stock-out.
--
-- KEYS[1] stockroom:{pN}:ops:sku:<SKU>
-- KEYS[2], KEYS[3] (optional) the entry's stream and its group's last-error hash
-- ARGV[1] at (ms)   ARGV[2] order reference   ARGV[3] reason   ARGV[4..6] group, entry id, error field
--
-- Returns {'COUNTED', stockouts} or {'DUPLICATE'}.

if not acknowledgedNow(4) then return {'DUPLICATE'} end
local stockouts = redis.call('HINCRBY', KEYS[1], 'stockouts', 1)
redis.call('HSET', KEYS[1], 'last_stockout_at', ARGV[1], 'last_order', ARGV[2], 'last_stockout_reason', ARGV[3])
return {'COUNTED', stockouts}
"""#
    )

    /// Counting and acknowledging in one step makes a count exactly once with nothing remembered: a
    /// counted entry is acknowledged and never delivered again, and an entry that comes back was not
    /// counted. (An earlier version kept a key per counted entry for a day: about 150 bytes each.)
    private static let acknowledgeOnce = #"""
-- Acknowledges the entry (XACK, and forgets its failure record, as the pipeline's ack does) when the
-- script was given one in KEYS[2], KEYS[3] and ARGV[first .. first + 2]. Returns false when it was no
-- longer pending: acknowledged before, so already counted. Without one, true (counted at least once).
local function acknowledgedNow(first)
    if not KEYS[2] then return true end
    if redis.call('XACK', KEYS[2], ARGV[first], ARGV[first + 1]) == 0 then return false end
    redis.call('HDEL', KEYS[3], ARGV[first + 2])
    return true
end

"""#
}

extension ScriptCall {
    /// ``StockroomScripts/opsSale`` for one sales entry of `partition`, acknowledging it when given how.
    public static func opsSale(_ sale: SaleEvent, acknowledging: StreamAcknowledgement?, partition: Int, keys: KeySpace) -> ScriptCall {
        opsCount(
            StockroomScripts.opsSale, sku: sale.sku, acknowledging: acknowledging, partition: partition, keys: keys,
            arguments: [String(sale.quantity), sale.at, sale.remaining]
        )
    }

    /// ``StockroomScripts/opsStockEmpty`` for one stock-empty entry of `partition`.
    public static func opsStockEmpty(
        _ event: StockEmptyEvent, acknowledging: StreamAcknowledgement?, partition: Int, keys: KeySpace
    ) -> ScriptCall {
        opsCount(
            StockroomScripts.opsStockEmpty, sku: event.sku, acknowledging: acknowledging, partition: partition, keys: keys,
            arguments: [event.at, event.order.description, event.reason]
        )
    }

    /// Both ops scripts: KEYS[1] the counters, then the acknowledgement's stream and last-error hash;
    /// its group, entry id and error field follow the script's own arguments.
    private static func opsCount(
        _ script: RedisScript,
        sku: String,
        acknowledging acknowledgement: StreamAcknowledgement?,
        partition: Int,
        keys: KeySpace,
        arguments: [String]
    ) -> ScriptCall {
        guard let acknowledgement else {
            return ScriptCall(script, keys: [keys.opsKey(sku, partition: partition)], arguments: arguments)
        }
        return ScriptCall(
            script,
            keys: [keys.opsKey(sku, partition: partition), acknowledgement.stream, acknowledgement.lastErrorKey],
            arguments: arguments + [acknowledgement.group, acknowledgement.entryID, acknowledgement.errorField]
        )
    }
}
