import StockroomRedis

extension StockroomScripts {
    /// The purchase decisions of one partition: validate, replay, sell or refuse, record the answer,
    /// emit events, for each purchase in turn, in one atomic step.
    ///
    /// The server hands it every purchase of one partition that arrived in the same event-loop turn:
    /// one script call instead of one each. Each purchase is decided exactly as if it ran alone after
    /// the ones before it, so replays, refusals and one order per stock-out hold within a batch as
    /// across batches. Kept as Lua text in Swift so the binary carries its scripts.
    public static let purchase = RedisScript(
        name: "purchase",
        source: NumberRanges.lua + #"""
-- Stockroom purchases: decide, record and emit each in turn, in one atomic step.
--
-- KEYS[1] stockroom:{pN}:replays                the partition's replay records: hashes <KEYS[1]>:<bucket>:<shard>
-- KEYS[2] stockroom:{pN}:stream:sales
-- KEYS[3] stockroom:{pN}:stream:stock-empty
-- KEYS[3 + i] stockroom:{pN}:sku:<SKU> of purchase i   hash: stock, reorder_point, reorder_qty, open_order, order_seq
-- ARGV[1] replay window (seconds)   ARGV[2] largest quantity one purchase may ask for
-- ARGV[3 + 5 (i - 1) .. 7 + 5 (i - 1)] purchase i: SKU, quantity, purchase id, customer, replay shard
--
-- Returns one answer per purchase, in order: {status, stock, replay, opened}, status SOLD (stock =
-- remaining) or OUT_OF_STOCK (stock = available), replay 1 when this is the stored answer of an
-- earlier call with the same purchase id, opened 1 when this purchase opened a factory order and
-- appended its stock-empty event; or a refusal {code, message}: INVALID_ARGUMENT or UNKNOWN_SKU, which
-- changes nothing.
--
-- The first answer of each purchase is one field of a shared hash, not a key of its own: field
-- <SKU>/<purchase id>, value <S|O><stock>:<quantity>[:<first 8 hex digits of SHA-1(customer)>], e.g.
-- S41:2:5f3a9b2c. The hash is the one of the replay window's bucket (Redis's clock: seconds / window)
-- and of the purchase's shard; it expires a window after its bucket ends, so a record lives one to two
-- windows, and a retry looks in its bucket and the one before. The key is built here from KEYS[1]
-- because the bucket is Redis's time; it shares KEYS[1]'s hash tag, so the script stays in one
-- Cluster slot.

local clock = redis.call('TIME')
local now = tostring(clock[1] * 1000 + math.floor(clock[2] / 1000))
local window = tonumber(ARGV[1])
local bucket = math.floor(tonumber(clock[1]) / window)

local function purchase(skuKey, sku, quantityText, purchaseID, customer, shard)
    local quantity, problem = wholeNumber(quantityText, 'quantity', '1', ARGV[2])
    if not quantity then return {'INVALID_ARGUMENT', problem} end

    local replays = KEYS[1] .. ':' .. bucket .. ':' .. shard
    local field = sku .. '/' .. purchaseID
    local customerMark = customer == '' and '' or (':' .. string.sub(redis.sha1hex(customer), 1, 8))
    local first = redis.call('HGET', replays, field)
        or redis.call('HGET', KEYS[1] .. ':' .. (bucket - 1) .. ':' .. shard, field)
    if first then
        local firstStatus, firstStock, firstQuantity, firstMark = string.match(first, '^([SO])(%d+):(%d+)(.*)$')
        -- The same purchase id for another quantity of the SKU, or for another customer, is a client
        -- bug, not a retry: refuse rather than guess. (The field holds the SKU: the same id for another
        -- SKU is another purchase.) The other customer is not named: it is someone else's data.
        if tonumber(firstQuantity) ~= quantity then
            return {'INVALID_ARGUMENT', 'purchase id ' .. purchaseID .. ' was already used for ' ..
                firstQuantity .. ' x ' .. sku}
        end
        if firstMark ~= customerMark then
            return {'INVALID_ARGUMENT', 'purchase id ' .. purchaseID .. ' was already used by another customer'}
        end
        return {firstStatus == 'S' and 'SOLD' or 'OUT_OF_STOCK', tonumber(firstStock), 1, 0}
    end

    local item = redis.call('HMGET', skuKey, 'stock', 'reorder_point', 'reorder_qty', 'open_order')
    if not item[1] then
        return {'UNKNOWN_SKU', 'unknown SKU ' .. sku}
    end
    local stock = tonumber(item[1])
    local reorderPoint = tonumber(item[2]) or 0
    local reorderQuantity = tonumber(item[3]) or 0
    local orderIsOpen = item[4] and item[4] ~= ''

    -- One open factory order per SKU: any burst of stock-outs emits a single stock-empty event.
    local opened = 0
    local function openFactoryOrder(reason)
        if orderIsOpen then return end
        opened = 1
        local order = sku .. '@' .. redis.call('HINCRBY', skuKey, 'order_seq', 1)
        redis.call('HSET', skuKey, 'open_order', order)
        redis.call('XADD', KEYS[3], '*',
            'sku', sku, 'order', order, 'reason', reason, 'stock', stock,
            'wanted', quantity, 'reorder_qty', reorderQuantity, 'at', now)
    end

    local status
    if stock >= quantity then
        status = 'SOLD'
        stock = redis.call('HINCRBY', skuKey, 'stock', -quantity)
        redis.call('XADD', KEYS[2], '*',
            'sku', sku, 'quantity', quantity, 'remaining', stock,
            'purchase', purchaseID, 'customer', customer, 'at', now)
        if stock <= reorderPoint then openFactoryOrder('reorder_point') end
    else
        status = 'OUT_OF_STOCK'
        -- A request larger than a well-stocked shelf is the client's problem, not a reason to order.
        if stock <= reorderPoint then
            openFactoryOrder(stock == 0 and 'sold_out' or 'reorder_point')
        end
    end

    redis.call('HSET', replays, field, (status == 'SOLD' and 'S' or 'O') .. stock .. ':' .. quantity .. customerMark)
    redis.call('EXPIREAT', replays, (bucket + 2) * window)
    return {status, stock, 0, opened}
end

local answers = {}
for i = 1, #KEYS - 3 do
    local at = 3 + 5 * (i - 1)
    answers[i] = purchase(KEYS[3 + i], ARGV[at], ARGV[at + 1], ARGV[at + 2], ARGV[at + 3], ARGV[at + 4])
end
return answers
"""#
    )
}

/// The purchase script's fixed arguments, rendered once instead of once per purchase.
public struct PurchaseLimits: Sendable, Hashable {
    let replayWindowSeconds: String
    let maximumQuantity: String

    public init(_ configuration: SalesConfiguration) {
        self.replayWindowSeconds = String(configuration.replayWindowSeconds)
        self.maximumQuantity = String(configuration.maximumQuantity)
    }
}

extension ScriptCall {
    /// ``StockroomScripts/purchase`` for `orders`, whose SKUs all lie in `partition`, decided in this order.
    public static func purchases(_ orders: [PurchaseOrder], partition: Int, keys: KeySpace, limits: PurchaseLimits) -> ScriptCall {
        var scriptKeys = [keys.replayKeyPrefix(partition: partition), keys.stream(.sales, partition: partition), keys.stream(.stockEmpty, partition: partition)]
        var arguments = [limits.replayWindowSeconds, limits.maximumQuantity]
        scriptKeys.reserveCapacity(3 + orders.count)
        arguments.reserveCapacity(2 + 5 * orders.count)
        for order in orders {
            scriptKeys.append(keys.skuKey(order.sku, partition: partition))
            arguments += [
                order.sku, String(order.quantity), order.purchaseID, order.customer,
                String(KeySpace.replayShard(sku: order.sku, purchaseID: order.purchaseID)),
            ]
        }
        return ScriptCall(StockroomScripts.purchase, keys: scriptKeys, arguments: arguments)
    }

    /// ``StockroomScripts/purchase`` for one order: a batch of one.
    public static func purchase(_ order: PurchaseOrder, partition: Int, keys: KeySpace, limits: PurchaseLimits) -> ScriptCall {
        purchases([order], partition: partition, keys: keys, limits: limits)
    }
}
