/// The partition's order-state indexes (`KeySpace.orderStateKey`): one sorted set per state, of order
/// references scored by when the order entered the state. Every script that changes an order's
/// `status` moves the order with this one function, so `/console/orders` pages one state's orders
/// without scanning every order.
enum OrderStateIndex {
    static let lua = #"""
-- The order `reference` moves from state `from` (nil or false: it had none) to `to` at `now` (ms).
-- `prefix` is the partition's <tag>:orders:state:, completed here with the state's name.
local function moveOrderState(prefix, reference, from, to, now)
    if from and from ~= to then redis.call('ZREM', prefix .. from, reference) end
    redis.call('ZADD', prefix .. to, now, reference)
end

"""#
}
