import Hummingbird
import StockroomCore

extension ConsoleRoutes {
    /// `/console/skus` and its stock change.
    static func addSKURoutes<Context>(_ routes: GatedRoutes<Context>, data: ConsoleData) {
        routes.read("skus") { parameters, viewer in
            let prefix = parameters["prefix"] ?? ""
            let size = pageSize(parameters["size"], maximum: SKUDirectory.maximumPageSize)
            let skus = try await SKUDirectory(keys: data.keys, redis: data.redis)
                .page(prefix: prefix, after: parameters["after"], pageSize: size)
            return html(SKUsPage.render(skus, prefix: prefix, pageSize: size, viewer: viewer))
        }
        routes.change("skus/adjust") { form, viewer in
            guard let sku = form["sku"]?.first, let units = form["units"]?.first.flatMap({ Int($0) }), units >= 1 else {
                return text(.badRequest, "a stock change needs sku and a whole number of units of at least 1\n")
            }
            let change: Int
            switch form["change"]?.first {
            case "add": change = units
            case "remove": change = -units
            default: return text(.badRequest, "change is add or remove\n")
            }
            let store = SalesStore(keys: data.keys, configuration: SalesConfiguration())
            do {
                let level = try await store.adjustStock(of: sku, by: change, actor: actor(viewer), on: data.redis).get()
                return html(SKUsPage.renderChange(level, change: change, viewer: viewer))
            } catch let error as SalesError where error.code == .invalidArgument || error.code == .unknownSKU {
                return text(error.code == .unknownSKU ? .notFound : .badRequest, "\(error.message)\n")
            }
        }
    }

    /// Who a console change is recorded as: the signed-in user, or the local user of a console
    /// that runs without credentials (which cannot change anything today).
    static func actor(_ viewer: ConsoleViewer) -> String { "console:\(viewer.user?.name ?? "local")" }

    /// A page size from a query, within 1…`maximum` (50 when absent).
    static func pageSize(_ text: String?, maximum: Int) -> Int {
        min(max(text.flatMap { Int($0) } ?? 50, 1), maximum)
    }
}
