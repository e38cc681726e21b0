import StockroomRedis

/// The Lua scripts of the factory module. Register them with the Redis connections that run them
/// (`RedisConfiguration.scripts`); `evalScript` also loads a missing one on first use.
///
/// Every script touches keys of one partition only: all its keys carry the same `{pN}` tag.
public enum FactoryScripts {
    public static var all: [RedisScript] {
        [recordOrderRequested, recordOrderFailure, applyArrival, opsSale, opsStockEmpty]
    }
}
