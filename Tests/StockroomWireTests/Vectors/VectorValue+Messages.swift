import Foundation
import NIOCore
import StockroomWire

struct VectorFixtureError: Error, CustomStringConvertible {
    var description: String
}

/// Builds the codec's values from a vector's JSON fields, independently of the codec's own decoding.
extension VectorValue {
    /// The keys each opcode's value must have (optional ones may be missing, nothing else may appear).
    static let keys: [String: (required: Set<String>, optional: Set<String>)] = [
        "HELLO": (["minVersion", "maxVersion", "clientName"], []),
        "AUTH": (["token"], []),
        "PING": (["data"], []),
        "PURCHASE": (["sku", "quantity", "purchaseID", "customer"], []),
        "STOCK_GET": (["sku"], []),
        "STOCK_SET": (["sku", "stock"], ["reorderPoint", "reorderQuantity"]),
        "STOCK_ADJUST": (["sku", "delta"], []),
        "HELLO_OK": (["version", "maxFrameLength", "authenticationRequired", "serverName"], ["maxInFlight"]),
        "AUTH_OK": (["role"], []),
        "PONG": (["data"], []),
        "PURCHASE_RESULT": (["outcome", "replay", "stock"], []),
        "STOCK_INFO": (["sku", "stock", "reorderPoint", "reorderQuantity"], ["openOrder"]),
        "ERROR": (["code", "codeName", "message"], []),
    ]

    /// Fails when the value has keys its opcode does not carry or lacks ones it must, so that a typo in the
    /// file cannot silently drop a field.
    func checkKeys() throws {
        guard let expected = Self.keys[self.opcode] else {
            throw VectorFixtureError(description: "unknown opcode name \(self.opcode)")
        }
        let object = try JSONSerialization.jsonObject(with: JSONEncoder().encode(self)) as? [String: Any] ?? [:]
        let present = Set(object.keys).subtracting(["opcode"])
        let missing = expected.required.subtracting(present)
        let extra = present.subtracting(expected.required).subtracting(expected.optional)
        guard missing.isEmpty, extra.isEmpty else {
            throw VectorFixtureError(
                description: "\(self.opcode): missing \(missing.sorted()), unexpected \(extra.sorted())"
            )
        }
    }

    func request() throws -> Request {
        switch self.opcode {
        case "HELLO":
            .hello(
                Hello(
                    minVersion: try field(self.minVersion, "minVersion"),
                    maxVersion: try field(self.maxVersion, "maxVersion"),
                    clientName: try field(self.clientName, "clientName")
                )
            )
        case "AUTH":
            .auth(token: try field(self.token, "token"))
        case "PING":
            .ping(ByteBuffer(hex: try field(self.data, "data")))
        case "PURCHASE":
            .purchase(
                Purchase(
                    sku: try field(self.sku, "sku"),
                    quantity: try field(self.quantity, "quantity"),
                    purchaseID: try field(self.purchaseID, "purchaseID"),
                    customer: try field(self.customer, "customer")
                )
            )
        case "STOCK_GET":
            .stockGet(sku: try field(self.sku, "sku"))
        case "STOCK_SET":
            .stockSet(
                StockSet(
                    sku: try field(self.sku, "sku"),
                    stock: try field(self.stock, "stock"),
                    reorderPoint: self.reorderPoint,
                    reorderQuantity: self.reorderQuantity
                )
            )
        case "STOCK_ADJUST":
            .stockAdjust(StockAdjust(sku: try field(self.sku, "sku"), delta: try field(self.delta, "delta")))
        default:
            throw VectorFixtureError(description: "\(self.opcode) is not a request")
        }
    }

    func response() throws -> Response {
        switch self.opcode {
        case "HELLO_OK":
            .helloOK(
                HelloOK(
                    version: try field(self.version, "version"),
                    maxFrameLength: try field(self.maxFrameLength, "maxFrameLength"),
                    maxInFlight: self.maxInFlight,
                    authenticationRequired: try field(self.authenticationRequired, "authenticationRequired"),
                    serverName: try field(self.serverName, "serverName")
                )
            )
        case "AUTH_OK":
            .authOK(try Self.role(named: try field(self.role, "role")))
        case "PONG":
            .pong(ByteBuffer(hex: try field(self.data, "data")))
        case "PURCHASE_RESULT":
            .purchaseResult(
                PurchaseResult(
                    outcome: try Self.outcome(named: try field(self.outcome, "outcome")),
                    isReplay: try field(self.replay, "replay"),
                    stock: try field(self.stock, "stock")
                )
            )
        case "STOCK_INFO":
            .stockInfo(
                StockInfo(
                    sku: try field(self.sku, "sku"),
                    stock: try field(self.stock, "stock"),
                    reorderPoint: try field(self.reorderPoint, "reorderPoint"),
                    reorderQuantity: try field(self.reorderQuantity, "reorderQuantity"),
                    openOrder: self.openOrder
                )
            )
        case "ERROR":
            .error(WireError(ErrorCode(rawValue: try field(self.code, "code")), try field(self.message, "message")))
        default:
            throw VectorFixtureError(description: "\(self.opcode) is not a response")
        }
    }

    private static func role(named name: String) throws -> Role {
        switch name {
        case "SALES": .sales
        case "ADMIN": .admin
        case "OPS": .ops
        default: throw VectorFixtureError(description: "unknown role \(name)")
        }
    }

    private static func outcome(named name: String) throws -> PurchaseOutcome {
        switch name {
        case "SOLD": .sold
        case "OUT_OF_STOCK": .outOfStock
        default: throw VectorFixtureError(description: "unknown outcome \(name)")
        }
    }
}

private func field<Value>(_ value: Value?, _ name: String) throws -> Value {
    guard let value else {
        throw VectorFixtureError(description: "missing field \(name)")
    }
    return value
}
