import Foundation

/// The legacy factory's order message, field names as the factory spells them.
///
/// The factory echoes this JSON to `CallbackUrl` when production ends, so it is also what the
/// arrival callback carries.
public struct FactoryOrderRequest: Sendable, Hashable, Codable {
    public var messageGroupID: String
    public var productID: String
    public var productCount: Int
    public var factoryID: String
    public var requester: String
    public var callbackURL: String

    public init(
        messageGroupID: String,
        productID: String,
        productCount: Int,
        factoryID: String,
        requester: String,
        callbackURL: String
    ) {
        self.messageGroupID = messageGroupID
        self.productID = productID
        self.productCount = productCount
        self.factoryID = factoryID
        self.requester = requester
        self.callbackURL = callbackURL
    }

    enum CodingKeys: String, CodingKey {
        case messageGroupID = "MessageGroupId"
        case productID = "MessageAttributeProductId"
        case productCount = "MessageAttributeProductCnt"
        case factoryID = "MessageAttributeFactoryId"
        case requester = "MessageAttributeRequester"
        case callbackURL = "CallbackUrl"
    }

    /// Lenient where the legacy senders differ: the count is a number or a string, and fields the
    /// factory does not need may be missing. The callers validate what they need.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.messageGroupID = try container.decodeIfPresent(String.self, forKey: .messageGroupID) ?? ""
        self.productID = try container.decode(String.self, forKey: .productID)
        self.productCount = try container.decode(LegacyCount.self, forKey: .productCount).value
        self.factoryID = try container.decodeIfPresent(String.self, forKey: .factoryID) ?? ""
        self.requester = try container.decodeIfPresent(String.self, forKey: .requester) ?? ""
        self.callbackURL = try container.decodeIfPresent(String.self, forKey: .callbackURL) ?? ""
    }

    /// We always send the count as a number.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(messageGroupID, forKey: .messageGroupID)
        try container.encode(productID, forKey: .productID)
        try container.encode(productCount, forKey: .productCount)
        try container.encode(factoryID, forKey: .factoryID)
        try container.encode(requester, forKey: .requester)
        try container.encode(callbackURL, forKey: .callbackURL)
    }

    /// The JSON body, as the factory expects it.
    public func jsonBytes() throws -> [UInt8] {
        let encoder = JSONEncoder()
        // `http:\/\/` is valid JSON, but the legacy tools grep their logs for plain URLs.
        encoder.outputFormatting = [.withoutEscapingSlashes]
        return Array(try encoder.encode(self))
    }

    /// Parses a legacy message from JSON bytes.
    public static func decode(_ bytes: some Collection<UInt8>) throws -> FactoryOrderRequest {
        try JSONDecoder().decode(FactoryOrderRequest.self, from: Data(bytes))
    }
}

/// `MessageAttributeProductCnt`: `10` or `"10"`. A whole number either way; `10.0` passes, `10.5` and
/// `"ten"` do not. Whether it is at least 1 is the caller's rule.
struct LegacyCount: Decodable {
    let value: Int

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let integer = try? container.decode(Int.self) {
            value = integer
        } else if let double = try? container.decode(Double.self), double == double.rounded(),
            let integer = Int(exactly: double)
        {
            value = integer
        } else if let text = try? container.decode(String.self),
            let integer = Int(text.trimmingCharacters(in: .whitespaces))
        {
            value = integer
        } else {
            throw DecodingError.dataCorruptedError(
                in: container, debugDescription: "MessageAttributeProductCnt must be a whole number or a string of one"
            )
        }
    }
}

/// The factory's `201` answer: `{"data":{"id":"<uuid>","reqestor":"…","data":{…the request…}}}`.
public struct FactoryAcknowledgement: Sendable, Hashable {
    /// The factory's own id of the order. The callback does not carry it.
    public var id: String
    /// `reqestor`: the original's spelling.
    public var requester: String?

    public init(id: String, requester: String?) {
        self.id = id
        self.requester = requester
    }

    private struct Envelope: Decodable {
        struct Body: Decodable {
            var id: String
            var reqestor: String?
        }
        var data: Body
    }

    public static func decode(_ bytes: some Collection<UInt8>) throws -> FactoryAcknowledgement {
        let envelope = try JSONDecoder().decode(Envelope.self, from: Data(bytes))
        return FactoryAcknowledgement(id: envelope.data.id, requester: envelope.data.reqestor)
    }
}
