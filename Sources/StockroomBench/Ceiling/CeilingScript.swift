import StockroomCore
import StockroomRedis

/// The ceiling a purchase is measured against: the least a purchase must do in Redis, in one
/// script. Read the stock, take the units, append the sale, and nothing else (no replay record, no
/// order rule, no validation).
public enum CeilingScript {
    public static let minimal = RedisScript(
        name: "bench-minimal-purchase",
        source: #"""
-- stockroom-bench's minimal purchase-shaped script: the ceiling row of ops/bench.
-- KEYS[1] the SKU's hash (field stock)   KEYS[2] the sales stream
-- ARGV[1] SKU   ARGV[2] quantity   ARGV[3] purchase id
local stock = tonumber(redis.call('HGET', KEYS[1], 'stock'))
local quantity = tonumber(ARGV[2])
if stock < quantity then return {'OUT_OF_STOCK', stock} end
stock = redis.call('HINCRBY', KEYS[1], 'stock', -quantity)
redis.call('XADD', KEYS[2], '*', 'sku', ARGV[1], 'quantity', quantity, 'purchase', ARGV[3])
return {'SOLD', stock}
"""#
    )

    /// Its own keys, named as Stockroom names a one-partition key space under another prefix, so
    /// they never touch the server's data.
    public static let keys = KeySpace(partitions: 1, prefix: "stockroom-bench-ceiling")
    public static let sku = "CEILING"

    /// The call with `purchaseID`; redis-benchmark replaces `__rand_int__` in it on every call.
    public static func call(quantity: Int, purchaseID: String) -> ScriptCall {
        ScriptCall(
            minimal,
            keys: [keys.skuKey(sku, partition: 0), keys.stream(.sales, partition: 0)],
            arguments: [sku, String(quantity), purchaseID]
        )
    }
}
