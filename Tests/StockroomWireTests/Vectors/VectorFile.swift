import Foundation

/// The schema of `proto-spec/vectors/vectors.json`, as documented in `proto-spec/README.md`.
struct VectorFile: Decodable {
    var protocolVersion: UInt16
    /// The receiver's limit the vectors assume (the `FRAME_TOO_LARGE` vectors depend on it).
    var maxFrameLength: Int
    var valid: [ValidVector]
    var invalid: [InvalidVector]

    static let url = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()  // Vectors
        .deletingLastPathComponent()  // StockroomWireTests
        .deletingLastPathComponent()  // Tests
        .deletingLastPathComponent()  // package root
        .appendingPathComponent("proto-spec/vectors/vectors.json")

    /// The spec whose examples quote the vectors.
    static let readmeURL = Self.url
        .deletingLastPathComponent()  // vectors
        .deletingLastPathComponent()  // proto-spec
        .appendingPathComponent("README.md")

    static func load() throws -> VectorFile {
        try JSONDecoder().decode(VectorFile.self, from: Data(contentsOf: self.url))
    }

    /// Replaces the `hex` of the named valid vectors in place, leaving the rest of the file as written.
    ///
    /// Works on lines, not by re-encoding, because JSONEncoder would reorder every object's keys; it relies on
    /// the layout the file keeps: one key per line and `name` before `hex` in each vector.
    ///
    /// - Parameters:
    ///   - hexByName: The new hex for each valid vector, by name.
    static func rewriteHex(_ hexByName: [String: String]) throws {
        let text = try String(contentsOf: self.url, encoding: .utf8)
        var currentName: String?
        var rewritten: [String] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.hasPrefix("\"name\": \"") {
                currentName = String(trimmed.dropFirst("\"name\": \"".count).prefix { $0 != "\"" })
            }
            if trimmed.hasPrefix("\"hex\": \""), let name = currentName, let hex = hexByName[name] {
                let indentation = line.prefix { $0 == " " }
                let comma = trimmed.hasSuffix(",") ? "," : ""
                rewritten.append("\(indentation)\"hex\": \"\(hex)\"\(comma)")
            } else {
                rewritten.append(String(line))
            }
        }
        try rewritten.joined(separator: "\n").write(to: self.url, atomically: true, encoding: .utf8)
    }
}

enum VectorKind: String, Decodable {
    case request
    case response
}

struct ValidVector: Decodable {
    var name: String
    var kind: VectorKind
    var description: String?
    var requestID: UInt32
    var hex: String
    var value: VectorValue
}

struct InvalidVector: Decodable {
    enum Stage: String, Decodable {
        /// Rejected by the frame decoder from the length field: the connection cannot continue.
        case frame
        /// A complete frame whose header or payload is rejected: answered, and the connection continues.
        case message
    }

    var name: String
    var kind: VectorKind
    var stage: Stage
    var description: String
    var requestID: UInt32?
    var hex: String
    var error: String
}

/// One message as plain JSON: the opcode's name plus the fields that opcode carries; absent keys are absent
/// fields (STOCK_SET's optional values, STOCK_INFO's openOrder).
struct VectorValue: Codable {
    var opcode: String
    // HELLO
    var minVersion: UInt16?
    var maxVersion: UInt16?
    var clientName: String?
    // HELLO_OK
    var version: UInt16?
    var maxFrameLength: UInt32?
    var maxInFlight: UInt32?
    var authenticationRequired: Bool?
    var serverName: String?
    // AUTH
    var token: String?
    // AUTH_OK
    var role: String?
    // PING, PONG
    var data: String?
    // PURCHASE, STOCK_GET, STOCK_SET, STOCK_INFO
    var sku: String?
    var quantity: UInt32?
    var purchaseID: String?
    var customer: String?
    // PURCHASE_RESULT
    var outcome: String?
    var replay: Bool?
    // STOCK_SET, STOCK_INFO, PURCHASE_RESULT
    var stock: Int64?
    var reorderPoint: Int64?
    var reorderQuantity: Int64?
    var openOrder: String?
    // STOCK_ADJUST
    var delta: Int64?
    // ERROR
    var code: UInt16?
    var codeName: String?
    var message: String?
}
