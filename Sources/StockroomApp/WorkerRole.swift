import StockroomCore

/// Which event workers a process runs.
public enum WorkerRole: String, Sendable, CaseIterable {
    case factory, warehouse, ops, sweeper, all, none

    /// The consumer groups this role runs (the sweeper runs none of its own).
    public var subscriptions: [Subscription] {
        switch self {
        case .factory: [.factory]
        case .warehouse: [.warehouse]
        case .ops: [.opsSales, .opsStockEmpty]
        case .sweeper, .none: []
        case .all: Subscription.all
        }
    }

    public var runsSweeper: Bool { self == .sweeper || self == .all }
}
