import StockroomRedis

extension StockroomScripts {
    /// The purchase decisions of one partition: validate, replay, sell or refuse, record the answer,
    /// emit events, for each purchase in turn, in one atomic step.
    ///
    /// The server hands it every purchase of one partition that arrived in the same event-loop turn:
    /// one script call instead of one each. Each purchase is decided exactly as if it ran alone after
    /// the ones before it, so replays, refusals and one order per stock-out hold within a batch as
    /// across batches. Kept as Lua text in Swift so the binary carries its scripts; BENCHMARKS.md says
    /// what each of its Redis calls costs.
    public static let purchase = RedisScript(
        name: "purchase",
        source: #"""
-- Stockroom purchases: decide, record and emit each in turn, in one atomic step.
--
-- KEYS[1] stockroom:{pN}:replays                the partition's replay records: hashes <KEYS[1]>:<bucket>:<shard>
-- KEYS[2] stockroom:{pN}:stream:sales
-- KEYS[3] stockroom:{pN}:stream:stock-empty
-- KEYS[3 + i] stockroom:{pN}:sku:<SKU> of purchase i   hash: stock, reorder_point, reorder_qty, open_order, order_seq
-- ARGV[1] replay window (seconds)   ARGV[2] largest quantity one purchase may ask for
-- ARGV[3 + 5 (i - 1) .. 7 + 5 (i - 1)] purchase i: SKU, quantity, purchase id, customer, replay shard
--
-- Returns one answer per purchase, in order: <S|O><stock>[r][o], S for SOLD (stock = remaining) or O
-- for OUT_OF_STOCK (stock = available), r when this is the stored answer of an earlier call with the
-- same purchase id, o when this purchase opened a factory order and appended its stock-empty event
-- (e.g. S41, O0o, S41r); or a refusal {code, message}: INVALID_ARGUMENT or UNKNOWN_SKU, which changes
-- nothing.
--
-- The first answer of each purchase is one field of a shared hash, not a key of its own: field
-- <SKU>/<purchase id>, value <S|O><stock>:<quantity>[:<first 8 hex digits of SHA-1(customer)>], e.g.
-- S41:2:5f3a9b2c. The hash is the one of the replay window's bucket (Redis's clock: seconds / window)
-- and of the purchase's shard. A retry looks in its bucket and the one before, so a record answers
-- for at least a window; once the bucket has closed, the server's ReplayExpiry makes it expire a
-- window later, so a record lives one to two windows. The key
-- is built here from KEYS[1] because the bucket is Redis's time; it shares KEYS[1]'s hash tag, so the
-- script stays in one Cluster slot.
--
-- Every call to Redis costs about a microsecond, which is most of a purchase's cost, so the script
-- makes as few as the rules allow: each SKU is read once per batch and its stock written once at the
-- end, and numbers go to Redis as the strings they came in as. Writing the stock last is safe: Redis
-- runs a script to its end and persists it as one transaction, and once a script has written, an
-- out-of-memory Redis does not refuse its later writes.

local clock = redis.call('TIME')
local now = clock[1] .. string.format('%03d', math.floor(tonumber(clock[2]) / 1000))
local window = tonumber(ARGV[1])
local maximumQuantity = tonumber(ARGV[2])
local bucket = math.floor(tonumber(clock[1]) / window)
local currentBucket = KEYS[1] .. ':' .. bucket .. ':'
local previousBucket = KEYS[1] .. ':' .. (bucket - 1) .. ':'

-- Each SKU of the batch as read once: its reorder settings, its stock as sold so far in this batch
-- and the units sold, written back at the end. false for an unknown SKU.
local items = {}

local function item(skuKey)
    local state = items[skuKey]
    if state == nil then
        local fields = redis.call('HMGET', skuKey, 'stock', 'reorder_point', 'reorder_qty', 'open_order')
        state = fields[1] and {
            stock = tonumber(fields[1]), sold = 0,
            reorderPoint = tonumber(fields[2]) or 0, reorderQuantity = tonumber(fields[3]) or 0,
            orderIsOpen = fields[4] ~= false and fields[4] ~= '',
        } or false
        items[skuKey] = state
    end
    return state
end

-- One open factory order per SKU: any burst of stock-outs emits a single stock-empty event.
local function openFactoryOrder(skuKey, sku, state, reason, quantityText)
    if state.orderIsOpen then return '' end
    state.orderIsOpen = true
    local order = sku .. '@' .. redis.call('HINCRBY', skuKey, 'order_seq', 1)
    redis.call('HSET', skuKey, 'open_order', order)
    redis.call('XADD', KEYS[3], '*', 'sku', sku, 'order', order, 'reason', reason,
        'stock', string.format('%d', state.stock), 'wanted', quantityText,
        'reorder_qty', string.format('%d', state.reorderQuantity), 'at', now)
    return 'o'
end

local function replay(first, sku, quantityText, purchaseID, customerMark)
    local firstStatus, firstStock, firstQuantity, firstMark = string.match(first, '^([SO])(%d+):(%d+)(.*)$')
    -- The same purchase id for another quantity of the SKU, or for another customer, is a client
    -- bug, not a retry: refuse rather than guess. (The field holds the SKU: the same id for another
    -- SKU is another purchase.) The other customer is not named: it is someone else's data.
    if firstQuantity ~= quantityText then
        return {'INVALID_ARGUMENT', 'purchase id ' .. purchaseID .. ' was already used for ' ..
            firstQuantity .. ' x ' .. sku}
    end
    if firstMark ~= customerMark then
        return {'INVALID_ARGUMENT', 'purchase id ' .. purchaseID .. ' was already used by another customer'}
    end
    return firstStatus .. firstStock .. 'r'
end

local function purchase(skuKey, sku, quantityText, purchaseID, customer, shard)
    -- The server sends quantities as it validated them: this only keeps a direct caller from
    -- storing a malformed one.
    local quantity = string.match(quantityText, '^[1-9]%d*$') and tonumber(quantityText)
    if not quantity or quantity > maximumQuantity then
        return {'INVALID_ARGUMENT', 'quantity must be a whole number from 1 to ' .. ARGV[2] .. ', got ' .. quantityText}
    end

    local field = sku .. '/' .. purchaseID
    local customerMark = customer == '' and '' or (':' .. string.sub(redis.sha1hex(customer), 1, 8))
    local first = redis.call('HGET', previousBucket .. shard, field)
    if first then return replay(first, sku, quantityText, purchaseID, customerMark) end

    local replays = currentBucket .. shard
    local state = item(skuKey)
    if not state then
        first = redis.call('HGET', replays, field)
        if first then return replay(first, sku, quantityText, purchaseID, customerMark) end
        return {'UNKNOWN_SKU', 'unknown SKU ' .. sku}
    end

    local sold = state.stock >= quantity
    local stock = sold and state.stock - quantity or state.stock
    local stockText = string.format('%d', stock)
    local status = sold and 'S' or 'O'
    -- Records the answer unless this purchase id already has one in this bucket: then it is a retry.
    if redis.call('HSETNX', replays, field, status .. stockText .. ':' .. quantityText .. customerMark) == 0 then
        return replay(redis.call('HGET', replays, field), sku, quantityText, purchaseID, customerMark)
    end

    local opened = ''
    if sold then
        state.stock = stock
        state.sold = state.sold + quantity
        if customer == '' then
            redis.call('XADD', KEYS[2], '*', 'sku', sku, 'quantity', quantityText, 'remaining', stockText,
                'purchase', purchaseID)
        else
            redis.call('XADD', KEYS[2], '*', 'sku', sku, 'quantity', quantityText, 'remaining', stockText,
                'purchase', purchaseID, 'customer', customer)
        end
        if stock <= state.reorderPoint then
            opened = openFactoryOrder(skuKey, sku, state, 'reorder_point', quantityText)
        end
    elseif stock <= state.reorderPoint then
        -- A request larger than a well-stocked shelf is the client's problem, not a reason to order.
        opened = openFactoryOrder(skuKey, sku, state, stock == 0 and 'sold_out' or 'reorder_point', quantityText)
    end
    return status .. stockText .. opened
end

local answers = {}
for i = 1, #KEYS - 3 do
    local at = 3 + 5 * (i - 1)
    answers[i] = purchase(KEYS[3 + i], ARGV[at], ARGV[at + 1], ARGV[at + 2], ARGV[at + 3], ARGV[at + 4])
end
for skuKey, state in pairs(items) do
    if state and state.sold > 0 then
        redis.call('HINCRBY', skuKey, 'stock', string.format('%d', -state.sold))
    end
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
