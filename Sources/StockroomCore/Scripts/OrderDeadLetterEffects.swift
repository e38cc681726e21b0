extension StockroomScripts {
    /// The `factory` group's ``DeadLetterEffects``: its entries are stock-empty events, each naming the
    /// order it opened.
    ///
    /// - A dead letter marks its order `failed` (an order the factory never took: `open`, or no record
    ///   at all when the entry was poison). The SKU keeps its open order, so no second order is placed
    ///   while an operator decides; the watchdog leaves failed orders alone.
    /// - Purging it cancels the order (`failed`, `open` or `requested`) and frees the SKU, as
    ///   `stockroom order cancel` does: a late delivery is refused (410). Otherwise a purged dead letter
    ///   would strand the SKU: only an arrival or a cancel clears its open order.
    /// - Redriving it makes a failed order `open` again, for the factory group to place.
    ///
    /// Delivered, cancelled and expired orders are left as they are, and said so.
    static let factoryOrderDeadLetterEffects = DeadLetterEffects(
        name: "factory-orders",
        lua: OrderStateIndex.lua + #"""
-- Dead-letter effects of the factory group: the entry's order follows its dead letter.
-- Keys are built here from the partition's tag, as KeySpace names them: <tag>:order:<SKU@n>,
-- <tag>:sku:<SKU>, <tag>:orders:due, <tag>:orders:transitions, <tag>:orders:state:<state>.
local effects = {}

local function orderOf(fields, tag)
    local sku, order = fields['sku'], fields['order']
    if not sku or not order or string.sub(order, 1, #sku + 1) ~= sku .. '@' then return nil end
    return {ref = order, sku = sku, key = tag .. ':order:' .. order, skuKey = tag .. ':sku:' .. sku,
        due = tag .. ':orders:due', transitions = tag .. ':orders:transitions', states = tag .. ':orders:state:'}
end

local function nowMilliseconds()
    local clock = redis.call('TIME')
    return string.format('%d', clock[1] * 1000 + math.floor(clock[2] / 1000))
end

function effects.dead_letter(fields, tag)
    local order = orderOf(fields, tag)
    if not order then return '' end
    local status = redis.call('HGET', order.key, 'status')
    if status and status ~= 'open' then return 'order ' .. order.ref .. ' stays ' .. status end
    local now = nowMilliseconds()
    redis.call('HSET', order.key, 'sku', order.sku, 'status', 'failed', 'failed_at', now)
    moveOrderState(order.states, order.ref, status, 'failed', now)
    redis.call('ZREM', order.due, order.ref)
    redis.call('HINCRBY', order.transitions, 'failed', 1)
    return 'order ' .. order.ref .. ' failed'
end

function effects.purge(fields, tag, apply)
    local order = orderOf(fields, tag)
    if not order then return '' end
    local status = redis.call('HGET', order.key, 'status')
    if status == 'delivered' or status == 'cancelled' or status == 'expired' then
        return 'order ' .. order.ref .. ' stays ' .. status
    end
    if not apply then return 'would cancel order ' .. order.ref end
    local now = nowMilliseconds()
    redis.call('HSET', order.key, 'sku', order.sku, 'status', 'cancelled', 'cancelled_at', now,
        'cancelled_by', 'dlq purge')
    moveOrderState(order.states, order.ref, status, 'cancelled', now)
    redis.call('ZREM', order.due, order.ref)
    redis.call('HINCRBY', order.transitions, 'cancelled', 1)
    if redis.call('HGET', order.skuKey, 'open_order') == order.ref then
        redis.call('HSET', order.skuKey, 'open_order', '')
    end
    return 'cancelled order ' .. order.ref
end

function effects.redrive(fields, tag, apply)
    local order = orderOf(fields, tag)
    if not order then return '' end
    local status = redis.call('HGET', order.key, 'status')
    if status ~= 'failed' then return 'order ' .. order.ref .. ' stays ' .. (status or 'unrecorded') end
    if not apply then return 'would reopen order ' .. order.ref end
    redis.call('HSET', order.key, 'status', 'open')
    moveOrderState(order.states, order.ref, status, 'open', nowMilliseconds())
    redis.call('HINCRBY', order.transitions, 'reopened', 1)
    return 'reopened order ' .. order.ref
end

"""#
    )
}
