/// A stream entry whose fields do not make the event its topic promises: no retry can fix it.
///
/// The consumer runtime's handlers turn it into a dead letter at once (`PoisonEntry`).
public struct MalformedEvent: Error, Sendable, Hashable, CustomStringConvertible {
    public var message: String

    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }
}

/// Reading an event's flat field/value pairs, with the one error every event schema throws.
struct EventFields {
    let topic: Topic
    let fields: [String: String]

    func sku() throws(MalformedEvent) -> String {
        guard let sku = fields["sku"], (try? SKU.validate(sku)) != nil else {
            throw MalformedEvent("\(topic.rawValue) entry has no valid sku")
        }
        return sku
    }

    /// Our order reference `<sku>@<n>`, which must name the entry's own SKU.
    func order(of sku: String) throws(MalformedEvent) -> OrderReference {
        guard let text = fields["order"], let order = OrderReference(text), order.sku == sku else {
            throw MalformedEvent("\(topic.rawValue) entry has no order reference \(sku)@<n>")
        }
        return order
    }

    func integer(_ name: String, atLeast minimum: Int) throws(MalformedEvent) -> Int {
        guard let text = fields[name], let value = Int(text), value >= minimum else {
            throw MalformedEvent("\(topic.rawValue) entry has no \(name) of at least \(minimum)")
        }
        return value
    }

    func text(_ name: String) -> String { fields[name] ?? "" }
}
