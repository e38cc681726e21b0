/// What dead-lettering, purging or redriving one entry of a subscription means to the data model,
/// as Lua that the consumer-group runtime's dead-letter scripts run in the same atomic step.
///
/// The runtime knows streams, not orders; the data model knows orders, not streams. This is the seam:
/// when the runtime moves an entry of the `factory` group, the same script changes that entry's
/// order, so a dead letter and its order can never disagree, whatever crashes in between.
///
/// `lua` defines a local table `effects` with three functions, each given the entry's fields (a
/// table, name → value) and the key prefix of the entry's partition (`stockroom:{pN}`), and returning
/// one line that says what it did to the data model ('' for nothing):
/// - `effects.dead_letter(fields, tag)`: the entry became a dead letter;
/// - `effects.purge(fields, tag, apply)`: the dead letter is deleted for good;
/// - `effects.redrive(fields, tag, apply)`: the dead letter goes back to its group.
///
/// With `apply` false (a dry run) they change nothing and say what they would do. Every key they
/// touch carries the partition's hash tag, so the script stays in one Redis Cluster slot.
public struct DeadLetterEffects: Sendable, Hashable {
    /// Part of the scripts' names: each subscription with effects has its own copy of them.
    public var name: String
    public var lua: String

    public init(name: String, lua: String) {
        self.name = name
        self.lua = lua
    }

    /// Nothing beyond the runtime's own bookkeeping.
    public static let none = DeadLetterEffects(
        name: "",
        lua: """
            local effects = {}
            function effects.dead_letter(fields, tag) return '' end
            function effects.purge(fields, tag, apply) return '' end
            function effects.redrive(fields, tag, apply) return '' end

            """
    )
}

extension Subscription {
    /// What this group's dead letters mean: a factory order whose entry is a dead letter is `failed`,
    /// purging it cancels the order, redriving it opens the order again.
    public var deadLetterEffects: DeadLetterEffects {
        self == .factory ? StockroomScripts.factoryOrderDeadLetterEffects : .none
    }
}
