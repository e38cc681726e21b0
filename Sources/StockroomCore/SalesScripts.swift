import StockroomRedis

/// The Lua scripts of the sales path. Register them with every Redis connection that sells.
public enum SalesScripts {
    public static var all: [RedisScript] { [purchase, setStock] }
}
