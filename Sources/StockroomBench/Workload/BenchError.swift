/// Why the harness cannot go on: an option that cannot be used, or something it read that it cannot
/// make sense of, in words a user can act on.
public struct BenchError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String

    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }
}
