import Hummingbird
import StockroomCore

extension ConsoleRoutes {
    /// `/console/orders`, one order's page, and its cancel and retry.
    static func addOrderRoutes<Context>(_ routes: GatedRoutes<Context>, data: ConsoleData) {
        routes.read("orders") { parameters, viewer in
            var filter = OrdersPage.Filter()
            filter.state = parameters["state"] ?? ""
            filter.sku = parameters["sku"] ?? ""
            let state = FactoryOrderRecord.Status(rawValue: filter.state)
            if !filter.state.isEmpty, state == nil {
                return text(.badRequest, "state is open, requested, failed, delivered, expired or cancelled\n")
            }
            if !filter.sku.isEmpty, (try? SKU.validate(filter.sku)) == nil {
                return text(.badRequest, "not a SKU: \(filter.sku)\n")
            }
            let query = OrderQuery(
                state: state, sku: filter.sku.isEmpty ? nil : filter.sku,
                after: parameters["after"].flatMap(OrderPageCursor.init),
                pageSize: pageSize(parameters["size"], maximum: OrderQuery.maximumPageSize)
            )
            let orders = try await OrderIndex(keys: data.keys, redis: data.redis).page(query)
            return html(OrdersPage.render(orders, filter: filter, pageSize: query.pageSize, viewer: viewer))
        }
        routes.read("orders/show") { parameters, viewer in
            guard let order = parameters["ref"].flatMap(OrderReference.init) else {
                return text(.badRequest, "ref is an order reference, SKU@n\n")
            }
            return try await orderDetail(order, data: data, viewer: viewer, message: nil)
        }
        routes.change("orders/act") { form, viewer in
            guard let order = form["ref"]?.first.flatMap(OrderReference.init) else {
                return text(.badRequest, "ref is an order reference, SKU@n\n")
            }
            let orders = FactoryOrders(keys: data.keys, redis: data.redis)
            let refusedStatus: String?
            let done: String
            switch form["action"]?.first {
            case "cancel":
                refusedStatus = try await orders.cancel(order, actor: actor(viewer))
                done = "Cancelled: the SKU may order again, and a late delivery for this order is refused."
            case "retry":
                refusedStatus = try await orders.retryNow(order, actor: actor(viewer))
                done = "Scheduled: the factory workers ask the factory again at their next check."
            default:
                return text(.badRequest, "action is cancel or retry\n")
            }
            if let refusedStatus {
                let status = refusedStatus.isEmpty ? "there is no such order" : "the order is \(refusedStatus)"
                return text(.conflict, "nothing changed: \(status)\n")
            }
            return try await orderDetail(order, data: data, viewer: viewer, message: done)
        }
    }

    private static func orderDetail(_ order: OrderReference, data: ConsoleData, viewer: ConsoleViewer, message: String?) async throws -> Response {
        guard let record = try await FactoryOrders(keys: data.keys, redis: data.redis).record(of: order) else {
            return text(.notFound, "no order \(order)\n")
        }
        let partition = data.keys.partition(of: order.sku)
        let due = try await data.redis.send(["ZSCORE", data.keys.ordersDueKey(partition: partition), order.description]).get()
        let deadline = due.string.flatMap(Double.init).map { Int64($0) }
        return html(OrdersPage.renderDetail(record, deadline: deadline, viewer: viewer, message: message))
    }
}
