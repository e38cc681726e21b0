import NIOCore
import StockroomClient

/// Stockroom through its native client library: one `StockroomClient` of one connection per load
/// connection, each carrying as many concurrent calls as the pipeline depth.
public final class StockroomTarget: LoadTarget {
    public let name = "stockroom"
    private let clients: [StockroomClient]
    /// Sets and reads stock before and after the load: STOCK_SET needs the admin role.
    private let admin: StockroomClient

    private init(clients: [StockroomClient], admin: StockroomClient) {
        self.clients = clients
        self.admin = admin
    }

    public var connectionCount: Int { clients.count }

    /// Opens `connections` connections with `configuration` (HELLO, and AUTH with its token), and
    /// one more with `adminToken` (default: the configuration's token) for STOCK_SET.
    public static func connect(
        _ configuration: StockroomClientConfiguration,
        adminToken: String?,
        connections: Int,
        group: any EventLoopGroup
    ) async throws -> StockroomTarget {
        var single = configuration
        single.connections = 1
        var adminConfiguration = single
        adminConfiguration.token = adminToken ?? configuration.token
        let admin = try await StockroomClient.connect(adminConfiguration, group: group)
        var clients: [StockroomClient] = []
        do {
            for _ in 0..<connections { clients.append(try await StockroomClient.connect(single, group: group)) }
        } catch {
            for client in clients { await client.close() }
            await admin.close()
            throw error
        }
        return StockroomTarget(clients: clients, admin: admin)
    }

    public func perform(_ request: BenchRequest, sku: String, on connection: Int) async -> RequestOutcome {
        let client = clients[connection]
        do {
            switch request {
            case .purchase(_, let quantity, let purchaseID):
                let result = try await client.purchase(sku: sku, quantity: quantity, purchaseID: purchaseID)
                if result.isReplay { return .replay }
                return result.outcome == .sold ? .sold : .outOfStock
            case .get:
                _ = try await client.stock(of: sku)
                return .stock
            }
        } catch {
            return Self.outcome(of: error)
        }
    }

    public func setStock(_ stock: Int, of skus: [String]) async throws {
        let admin = self.admin
        _ = try await concurrentMap(skus, limit: administrativeConcurrency) { sku in
            try await admin.setStock(sku: sku, stock: Int64(stock))
        }
    }

    public func stock(of skus: [String]) async throws -> [Int] {
        let admin = self.admin
        return try await concurrentMap(skus, limit: administrativeConcurrency) { sku in
            Int(try await admin.stock(of: sku).stock)
        }
    }

    public func close() async {
        for client in clients { await client.close() }
        await admin.close()
    }

    /// The server's own code for an ERROR answer, the client's for a failure without one. A request
    /// that was refused before anything happened is certain; one without an answer, or one the
    /// backend failed, may have sold.
    public static func outcome(of error: StockroomClientError) -> RequestOutcome {
        if let serverCode = error.serverCode {
            let refusedUntouched: [ErrorCode] = [
                .overloaded, .invalidArgument, .unknownSKU, .forbidden, .unauthenticated, .shuttingDown, .helloRequired,
            ]
            return .error(code: serverCode.name, uncertain: !refusedUntouched.contains(serverCode))
        }
        let neverSent: [StockroomClientError.Code] = [.clientClosed, .connectFailed, .invalidArgument]
        return .error(code: error.code.name, uncertain: !neverSent.contains(error.code))
    }
}
