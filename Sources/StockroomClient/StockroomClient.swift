import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
@_exported import StockroomWire

/// The native Stockroom client: async calls over a small pool of multiplexed connections.
///
/// ```swift
/// let client = try await StockroomClient.connect(.init(host: "127.0.0.1", port: 7400))
/// let result = try await client.purchase(sku: "CP-502101", quantity: 1, purchaseID: "order-17")
/// ```
/// Calls may run concurrently from any task; each connection carries many requests at once.
/// A dropped connection is replaced on the next call that picks it.
public final class StockroomClient: Sendable {
    private struct Pool {
        var connections: [ClientConnection]
        var next = 0
        var isClosed = false
    }

    public let configuration: StockroomClientConfiguration
    private let group: any EventLoopGroup
    private let pool: NIOLockedValueBox<Pool>

    /// What the server said in HELLO_OK: version, frame limit, whether it requires AUTH, its name.
    public let serverHello: HelloOK

    private init(configuration: StockroomClientConfiguration, group: any EventLoopGroup, connections: [ClientConnection]) {
        self.configuration = configuration
        self.group = group
        self.pool = NIOLockedValueBox(Pool(connections: connections))
        self.serverHello = connections[0].hello
    }

    /// Opens `configuration.connections` connections and says HELLO (and AUTH) on each.
    public static func connect(
        _ configuration: StockroomClientConfiguration,
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) async throws(StockroomClientError) -> StockroomClient {
        var connections: [ClientConnection] = []
        do {
            for _ in 0..<max(1, configuration.connections) {
                connections.append(try await ClientConnection.connect(configuration, group: group))
            }
        } catch {
            for connection in connections { await connection.close() }
            throw error
        }
        return StockroomClient(configuration: configuration, group: group, connections: connections)
    }

    /// Buys `quantity` of `sku`. Retrying with the same `purchaseID` never sells twice: it returns
    /// the first answer, with `isReplay` set. Every call takes an optional `timeout` of its own.
    public func purchase(
        sku: String,
        quantity: Int = 1,
        purchaseID: String,
        customer: String = "",
        timeout: Duration? = nil
    ) async throws(StockroomClientError) -> PurchaseResult {
        guard let wireQuantity = UInt32(exactly: quantity) else {
            throw StockroomClientError(.invalidArgument, "quantity must be between 0 and \(UInt32.max), got \(quantity)")
        }
        let purchase = Purchase(sku: sku, quantity: wireQuantity, purchaseID: purchaseID, customer: customer)
        guard case .purchaseResult(let result) = try await send(.purchase(purchase), timeout: timeout) else {
            throw StockroomClientError(.protocolViolation, "PURCHASE was not answered with PURCHASE_RESULT")
        }
        return result
    }

    /// Reads a SKU's stock, reorder settings and open factory order.
    public func stock(of sku: String, timeout: Duration? = nil) async throws(StockroomClientError) -> StockInfo {
        guard case .stockInfo(let info) = try await send(.stockGet(sku: sku), timeout: timeout) else {
            throw StockroomClientError(.protocolViolation, "STOCK_GET was not answered with STOCK_INFO")
        }
        return info
    }

    /// Creates a SKU or sets its stock; reorder settings change only when given. Needs the admin role.
    public func setStock(
        sku: String,
        stock: Int64,
        reorderPoint: Int64? = nil,
        reorderQuantity: Int64? = nil,
        timeout: Duration? = nil
    ) async throws(StockroomClientError) -> StockInfo {
        let update = StockSet(sku: sku, stock: stock, reorderPoint: reorderPoint, reorderQuantity: reorderQuantity)
        guard case .stockInfo(let info) = try await send(.stockSet(update), timeout: timeout) else {
            throw StockroomClientError(.protocolViolation, "STOCK_SET was not answered with STOCK_INFO")
        }
        return info
    }

    /// Adds `delta` units to a SKU's stock, or removes them when negative, in one atomic step: no
    /// read-then-write, so sales in between are never lost. Needs the admin role. Removing more than
    /// there is fails with `INVALID_ARGUMENT` and changes nothing.
    public func adjustStock(sku: String, by delta: Int64, timeout: Duration? = nil) async throws(StockroomClientError) -> StockInfo {
        guard case .stockInfo(let info) = try await send(.stockAdjust(StockAdjust(sku: sku, delta: delta)), timeout: timeout) else {
            throw StockroomClientError(.protocolViolation, "STOCK_ADJUST was not answered with STOCK_INFO")
        }
        return info
    }

    /// Round-trips a PING on one connection.
    public func ping(timeout: Duration? = nil) async throws(StockroomClientError) {
        guard case .pong = try await send(.ping(ByteBuffer()), timeout: timeout) else {
            throw StockroomClientError(.protocolViolation, "PING was not answered with PONG")
        }
    }

    /// Closes every connection. Calls in flight fail with `.connectionClosed`; later calls with `.clientClosed`.
    public func close() async {
        let connections = pool.withLockedValue { pool in
            pool.isClosed = true
            return pool.connections
        }
        for connection in connections { await connection.close() }
    }

    /// - Parameter timeout: this call's limit; nil means `configuration.requestTimeout`.
    private func send(_ request: Request, timeout: Duration?) async throws(StockroomClientError) -> Response {
        try await connection().send(request, timeout: TimeAmount(timeout ?? configuration.requestTimeout))
    }

    private func connection() async throws(StockroomClientError) -> ClientConnection {
        let (slot, picked, isClosed) = pool.withLockedValue { pool in
            let slot = pool.next % pool.connections.count
            pool.next &+= 1
            return (slot, pool.connections[slot], pool.isClosed)
        }
        if isClosed { throw StockroomClientError(.clientClosed, "the client was closed") }
        if picked.isActive { return picked }

        let fresh = try await ClientConnection.connect(configuration, group: group)
        // Several calls may find the same dead connection and reconnect at once: the first to get
        // back keeps its connection, the others close theirs and use it, so none is left untracked.
        let (chosen, surplus) = pool.withLockedValue { pool -> (ClientConnection?, ClientConnection?) in
            guard !pool.isClosed else { return (nil, fresh) }
            let current = pool.connections[slot]
            if current !== picked, current.isActive { return (current, fresh) }
            pool.connections[slot] = fresh
            return (fresh, nil)
        }
        if let surplus { await surplus.close() }
        guard let chosen else { throw StockroomClientError(.clientClosed, "the client was closed") }
        return chosen
    }
}
