import ArgumentParser
import StockroomClient
import StockroomCommandLine

/// `stockroom stock set|get|add|remove`: the administrator's view of a SKU.
struct StockCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stock",
        abstract: "Set, change or read a SKU's stock and reorder settings.",
        subcommands: [SetStock.self, GetStock.self, AddStock.self, RemoveStock.self]
    )

    struct SetStock: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "set",
            abstract: "Create a SKU or set its stock (needs the admin role when tokens are on)."
        )

        @Argument(help: "The SKU, e.g. CP-502101.") var sku: String
        @Argument(help: "The new stock.") var quantity: Int64
        @Option(help: "Order from the factory when a sale leaves this much or less.") var reorderPoint: Int64?
        @Option(help: "How many to order from the factory.") var reorderQty: Int64?
        @OptionGroup var client: ClientOptions

        func run() async throws {
            let info = try await client.withClient { client throws(StockroomClientError) in
                try await client.setStock(
                    sku: sku, stock: quantity, reorderPoint: reorderPoint, reorderQuantity: reorderQty
                )
            }
            print(info.keyValueLine)
        }
    }

    struct GetStock: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "get",
            abstract: "Print a SKU's stock as one line of key=value pairs."
        )

        @Argument(help: "The SKU.") var sku: String
        @OptionGroup var client: ClientOptions

        func run() async throws {
            let info = try await client.withClient { client throws(StockroomClientError) in
                try await client.stock(of: sku)
            }
            print(info.keyValueLine)
        }
    }

    /// `stock add SKU N`: N more units, atomically.
    struct AddStock: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "add",
            abstract: "Add units to a SKU's stock atomically (needs the admin role when tokens are on)."
        )

        @OptionGroup var adjustment: StockAdjustment

        func run() async throws {
            try await adjustment.apply(sign: 1)
        }
    }

    /// `stock remove SKU N`: N fewer units, atomically; never below 0.
    struct RemoveStock: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "remove",
            abstract: "Remove units from a SKU's stock atomically; removing more than there is changes nothing."
        )

        @OptionGroup var adjustment: StockAdjustment

        func run() async throws {
            try await adjustment.apply(sign: -1)
        }
    }
}

/// What `stock add` and `stock remove` take: a SKU and a number of units, sent as STOCK_ADJUST.
struct StockAdjustment: ParsableArguments {
    @Argument(help: "The SKU.") var sku: String
    @Argument(help: "Units, at least 1.") var units: Int64
    @OptionGroup var client: ClientOptions

    func validate() throws {
        guard units >= 1 else { throw ValidationError("the units must be at least 1") }
    }

    /// Adjusts by `sign × units` and prints the SKU's line, as `stock get` does.
    func apply(sign: Int64) async throws {
        let info = try await client.withClient { client throws(StockroomClientError) in
            try await client.adjustStock(sku: sku, by: sign * units)
        }
        print(info.keyValueLine)
    }
}

extension StockInfo {
    /// `sku=… stock=… reorder_point=… reorder_qty=… open_order=…`: stable, for scripts to parse.
    var keyValueLine: String {
        "sku=\(sku) stock=\(stock) reorder_point=\(reorderPoint) reorder_qty=\(reorderQuantity) "
            + "open_order=\(openOrder ?? "-")"
    }
}
