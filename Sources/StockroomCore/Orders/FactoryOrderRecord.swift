import StockroomRedis

/// Our record of one factory order, the hash at `KeySpace.orderKey(_:partition:)`.
///
/// States: `open` (prepared; `attempts` and `last_error` tell of failed calls) → `requested` (the
/// factory acknowledged it) → `delivered` (its arrival raised the stock), or `expired` (out of
/// attempts) or `cancelled` (by an operator, or by purging its dead letter). An order can also go
/// straight to `delivered` when the callback overtakes the acknowledgement's record. An `open` order
/// whose stock-empty entry became a dead letter is `failed` until an operator redrives the entry
/// (`open` again) or purges it (`cancelled`); a failed order's delivery is still taken in.
public struct FactoryOrderRecord: Sendable, Hashable {
    public enum Status: String, Sendable, Hashable, CaseIterable {
        /// Prepared (token and quantity fixed), the factory not yet acknowledging it.
        case open
        case requested
        case delivered
        /// Out of attempts: the SKU's open order was closed.
        case expired
        /// Closed by an operator.
        case cancelled
        /// Its stock-empty entry is a dead letter: waits for an operator (the watchdog leaves it).
        case failed

        /// The record's field that dates an order's entry into this state.
        public var timeField: String {
            switch self {
            case .open: "opened_at"
            case .requested: "requested_at"
            case .delivered: "delivered_at"
            case .expired: "expired_at"
            case .cancelled: "cancelled_at"
            case .failed: "failed_at"
            }
        }
    }

    public var order: String
    public var sku: String?
    public var quantity: Int?
    public var status: Status?
    /// The factory's own id (a UUID) from its latest acknowledgement.
    public var factoryID: String?
    /// Factory calls made for this order, failed ones included.
    public var attempts: Int
    public var lastError: String?
    /// Milliseconds since 1970, Redis's clock.
    public var openedAt: Int?
    public var requestedAt: Int?
    public var deliveredAt: Int?
    /// Arrivals for the order after the one that was applied.
    public var duplicateArrivals: Int

    /// Every field as stored, for an operator's `order show`.
    public var fields: [String: String]

    /// When the order entered its state, as its record dates it (ms since 1970).
    public var stateSince: Int? { status.flatMap { fields[$0.timeField] }.flatMap { Int($0) } }

    /// Still waiting for a delivery: open or requested.
    public var isOpen: Bool { status == .open || status == .requested }

    public init(order: String, fields: [String: String]) {
        self.order = order
        self.sku = fields["sku"]
        self.quantity = fields["quantity"].flatMap { Int($0) }
        self.status = fields["status"].flatMap(Status.init(rawValue:))
        self.factoryID = fields["factory_id"]
        self.attempts = fields["attempts"].flatMap { Int($0) } ?? 0
        self.lastError = fields["last_error"]
        self.openedAt = fields["opened_at"].flatMap { Int($0) }
        self.requestedAt = fields["requested_at"].flatMap { Int($0) }
        self.deliveredAt = fields["delivered_at"].flatMap { Int($0) }
        self.duplicateArrivals = fields["duplicate_arrivals"].flatMap { Int($0) } ?? 0
        self.fields = fields
    }
}
