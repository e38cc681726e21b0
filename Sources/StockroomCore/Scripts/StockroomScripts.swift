import StockroomRedis

/// Every Lua script of the data model, registered in one place: the connections that run them load
/// them at connect (`RedisConfiguration.scripts`), and `evalScript` loads a missing one on first use.
///
/// Each script touches the keys of one partition only (one `{pN}` hash tag), so each stays inside
/// one Redis Cluster slot, and each is one atomic step. Every script has one typed call builder
/// beside its Lua (`ScriptCall.purchase(…)`, …) that lays out its KEYS and ARGV; nothing else does.
/// The consumer-group runtime's own scripts are in StockroomPipeline (`PipelineScripts`).
public enum StockroomScripts {
    public static var all: [RedisScript] {
        [
            purchase, setStock, adjustStock, prepareOrder, passOrderDeadline, cancelOrder, retryOrderNow, recordOrderRequested, recordOrderFailure, takeInArrival, applyArrival, opsSale,
            opsStockEmpty,
        ]
    }
}
