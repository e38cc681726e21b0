import Logging
import NIOCore
import StockroomCore
import StockroomRedis

/// Redis straight, with Stockroom's own purchase script (`SalesStore`, EVALSHA) on the key space
/// the server recorded: the same requests as through the server, without the server.
public final class RedisTarget: LoadTarget {
    public let name = "redis"
    private let connections: [RedisConnection]
    private let store: SalesStore

    private init(connections: [RedisConnection], store: SalesStore) {
        self.connections = connections
        self.store = store
    }

    public var connectionCount: Int { connections.count }

    /// Opens `connections` pipelined connections and reads the key space from Redis
    /// (`KeySpace.recorded`: a server must have created the data).
    public static func connect(
        _ configuration: RedisConfiguration,
        connections: Int,
        group: any EventLoopGroup,
        logger: Logger
    ) async throws -> RedisTarget {
        var opened: [RedisConnection] = []
        do {
            for _ in 0..<connections {
                opened.append(try await RedisConnection.connect(configuration: configuration, eventLoop: group.next(), logger: logger).get())
            }
            let keys = try await KeySpace.recorded(on: opened[0])
            return RedisTarget(connections: opened, store: SalesStore(keys: keys, configuration: SalesConfiguration()))
        } catch {
            for connection in opened { _ = try? await connection.close().get() }
            throw error
        }
    }

    public func perform(_ request: BenchRequest, sku: String, on connection: Int) async -> RequestOutcome {
        let redis = connections[connection]
        do {
            switch request {
            case .purchase(_, let quantity, let purchaseID):
                let order = PurchaseOrder(sku: sku, quantity: quantity, purchaseID: purchaseID, customer: "")
                let decision = try await store.purchase(order, on: redis).get()
                if decision.isReplay { return .replay }
                return decision.outcome == .sold ? .sold : .outOfStock
            case .get:
                _ = try await store.stockLevel(of: sku, on: redis).get()
                return .stock
            }
        } catch {
            return Self.outcome(of: error)
        }
    }

    /// A refusal the script made before changing anything is certain; a failure of Redis or of the
    /// connection may have come after the script ran.
    public static func outcome(of error: any Error) -> RequestOutcome {
        guard let error = error as? SalesError else { return .error(code: "\(type(of: error))", uncertain: true) }
        let refusedUntouched: [SalesError.Code] = [.invalidArgument, .unknownSKU]
        return .error(code: error.code.name, uncertain: !refusedUntouched.contains(error.code))
    }

    public func setStock(_ stock: Int, of skus: [String]) async throws {
        let (store, redis) = (self.store, connections[0])
        _ = try await concurrentMap(skus, limit: administrativeConcurrency) { sku in
            try await store.setStock(StockUpdate(sku: sku, stock: stock), actor: "stockroom-bench", on: redis).get()
        }
    }

    public func stock(of skus: [String]) async throws -> [Int] {
        let (store, redis) = (self.store, connections[0])
        return try await concurrentMap(skus, limit: administrativeConcurrency) { sku in
            try await store.stockLevel(of: sku, on: redis).get().stock
        }
    }

    public func close() async {
        for connection in connections { _ = try? await connection.close().get() }
    }
}
