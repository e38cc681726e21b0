/// What acknowledging one consumer-group entry takes, so a handler's script can acknowledge it in the
/// same atomic step as its effect: the effect happens exactly once without a key remembering it (if
/// the script counted, the entry is acknowledged and never comes back; if not, it comes back and counts).
///
/// The consumer-group runtime fills it in for every entry it delivers; the script does
/// `XACK stream group entryID` and `HDEL lastErrorKey errorField`, as the runtime's own ack does.
public struct StreamAcknowledgement: Sendable, Hashable {
    /// The stream the entry was read from (a topic partition, or the group's retry stream).
    public var stream: String
    public var group: String
    public var entryID: String
    /// The group's failure records of that stream, and the entry's field in it.
    public var lastErrorKey: String
    public var errorField: String

    public init(stream: String, group: String, entryID: String, lastErrorKey: String, errorField: String) {
        self.stream = stream
        self.group = group
        self.entryID = entryID
        self.lastErrorKey = lastErrorKey
        self.errorField = errorField
    }
}
